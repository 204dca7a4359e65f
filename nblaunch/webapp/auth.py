"""The application's own login: salted scrypt password hashes and the demo users.

The Hub never sees these passwords: a logged-in user reaches JupyterHub through single-use tickets
that the backend signs (``NBLaunchClient.launch_url``), so they never meet a Hub login page.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import User

# scrypt cost: 16 MiB of memory per check, about 50 ms here; stored with each hash so it can rise.
_N, _R, _P = 2**14, 8, 1
DEMO_USERNAMES = ("alice", "bob")
CREDENTIALS_FILE = "demo-credentials.json"


def hash_password(password: str) -> str:
    """A self-describing salted scrypt hash of ``password``.

    >>> hash_password("secret").startswith("scrypt$16384$8$1$")
    True
    """
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a hash made by :func:`hash_password` (constant time).

    >>> verify_password("secret", hash_password("secret")), verify_password("x", "garbage")
    (True, False)
    """
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = hashlib.scrypt(
            password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except ValueError:
        return False
    # As bytes: compare_digest raises TypeError on a str with non-ASCII characters.
    return hmac.compare_digest(candidate.hex().encode(), digest.encode())


def authenticate(db: Session, username: str, password: str) -> User | None:
    """The user whose name and password match, else None.

    >>> authenticate(db, "alice", "wrong") is None  # doctest: +SKIP
    True
    """
    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        # Spend the same time as a real check, so response times do not reveal user names.
        verify_password(password, _DUMMY_HASH)
        return None
    return user if verify_password(password, user.password_hash) else None


def create_user(db: Session, username: str, password: str) -> User:
    """Add a user with a hashed password (the caller commits).

    >>> create_user(db, "carol", "pw").username  # doctest: +SKIP
    'carol'
    """
    user = User(username=username, password_hash=hash_password(password))
    db.add(user)
    db.flush()
    return user


def ensure_demo_users(db: Session, data_dir: Path) -> dict[str, str]:
    """Create alice and bob on first run; return their credentials for the demo to print.

    The passwords are random per installation and kept in ``data_dir/demo-credentials.json``
    (mode 0600), so a second run prints the same ones.

    >>> ensure_demo_users(db, Path(".demo/webapp"))  # doctest: +SKIP
    {'alice': '...', 'bob': '...'}
    """
    path = data_dir / CREDENTIALS_FILE
    known: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    credentials = {name: known.get(name) or secrets.token_urlsafe(9) for name in DEMO_USERNAMES}
    for name, password in credentials.items():
        user = db.scalar(select(User).where(User.username == name))
        if user is None:
            create_user(db, name, password)
        elif name not in known:
            # The database outlived the credentials file (e.g. a shared PostgreSQL): reset, so the
            # printed password is the one that works.
            user.password_hash = hash_password(password)
    db.commit()
    data_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(credentials, indent=1))
    path.chmod(0o600)
    return credentials


_DUMMY_HASH = hash_password(secrets.token_hex(8))
