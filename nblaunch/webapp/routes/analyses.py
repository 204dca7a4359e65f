""" "My analyses", version lists, static renders, downloads and restores."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from ..deps import HubCallError, RowId, check_csrf, current_user, get_client, get_db
from ..jupyter import HubClient
from ..models import NotebookVersion, User
from ..versions import (
    analyses,
    check_path,
    history,
    latest_version,
    record_save,
    render_html,
    restore,
)
from . import browser_url, call_hub, render

router = APIRouter()
# Login first, so that a logged-out user hears "log in" rather than "form expired".
_GUARDED = [Depends(current_user), Depends(check_csrf)]

# A rendered notebook may hold any HTML its outputs made: show it sandboxed, without scripts.
RENDER_CSP = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "frame-ancestors 'self'"
)


def attachment(filename: str) -> str:
    r"""A ``Content-Disposition`` value that downloads ``filename``, any characters (RFC 6266).

    ``filename`` is an ASCII fallback with ``_`` for anything else (and for ``"``, ``\``,
    control characters, which would end or break the header); ``filename*`` is the real name,
    UTF-8 and percent-encoded (RFC 8187), which browsers prefer.

    >>> attachment("日本語-v1.ipynb")
    'attachment; filename="___-v1.ipynb"; filename*=UTF-8\'\'%E6%97%A5%E6%9C%AC%E8%AA%9E-v1.ipynb'
    """
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _version(db: Session, user: User, version_id: int) -> NotebookVersion:
    version = db.get(NotebookVersion, version_id)
    # Another user's version is "not found", not "forbidden": ids are not to be probed.
    if version is None or version.user_id != user.id:
        raise HTTPException(404, f"You have no saved version {version_id}.")
    return version


@router.get("/analyses")
def my_analyses(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    db: Annotated[Session, Depends(get_db)],
) -> Response:
    """The user's notebooks across all items, each with its newest version."""
    return render(request, "analyses.html", user=user, rows=analyses(db, user))


@router.get("/analyses/history")
def version_list(
    request: Request,
    path: str,
    user: Annotated[User, Depends(current_user)],
    db: Annotated[Session, Depends(get_db)],
) -> Response:
    """Every saved version of one notebook."""
    versions = history(db, user, path)
    if not versions:
        raise HTTPException(404, "You have no saved versions of this notebook.")
    return render(request, "history.html", user=user, path=path, versions=versions)


@router.get("/versions/{version_id}")
def version_page(
    request: Request,
    version_id: RowId,
    user: Annotated[User, Depends(current_user)],
    db: Annotated[Session, Depends(get_db)],
) -> Response:
    """One version: its render, download and restore."""
    version = _version(db, user, version_id)
    latest = latest_version(db, user, version.path)
    return render(
        request,
        "version.html",
        user=user,
        version=version,
        is_latest=latest is not None and latest.id == version.id,
        restored=request.query_params.get("restored") == "1",
    )


@router.get("/versions/{version_id}/html")
def version_html(
    version_id: RowId,
    user: Annotated[User, Depends(current_user)],
    db: Annotated[Session, Depends(get_db)],
) -> Response:
    """The version as static HTML (nbconvert), sandboxed by its Content-Security-Policy."""
    version = _version(db, user, version_id)
    headers = {"Content-Security-Policy": RENDER_CSP, "X-Content-Type-Options": "nosniff"}
    return HTMLResponse(render_html(version.content), headers=headers)


@router.get("/versions/{version_id}/download")
def version_download(
    version_id: RowId,
    user: Annotated[User, Depends(current_user)],
    db: Annotated[Session, Depends(get_db)],
) -> Response:
    """The version as an .ipynb file."""
    version = _version(db, user, version_id)
    name = version.path.rsplit("/", 1)[-1].removesuffix(".ipynb")
    filename = f"{name}-v{version.id}.ipynb"
    return Response(
        json.dumps(version.content, indent=1, ensure_ascii=False),
        media_type="application/x-ipynb+json",
        headers={"Content-Disposition": attachment(filename)},
    )


@router.post("/versions/{version_id}/restore", dependencies=_GUARDED)
def version_restore(
    request: Request,
    version_id: RowId,
    user: Annotated[User, Depends(current_user)],
    db: Annotated[Session, Depends(get_db)],
    client: Annotated[HubClient, Depends(get_client)],
    force: Annotated[bool, Form()] = False,
) -> Response:
    """Write the version back into the user's server, refusing if the file changed meanwhile."""
    version = _version(db, user, version_id)
    try:
        call_hub(restore, db, client, user, version, force=force)
    except HubCallError as exc:
        if getattr(exc.problem, "code", "") != "conflict":
            raise
        return render(request, "conflict.html", status=409, user=user, version=version)
    return RedirectResponse(f"/versions/{version.id}?restored=1", status_code=303)


@router.get("/versions/{version_id}/open")
def version_open(
    version_id: RowId,
    user: Annotated[User, Depends(current_user)],
    db: Annotated[Session, Depends(get_db)],
    client: Annotated[HubClient, Depends(get_client)],
) -> Response:
    """Open the version's notebook (as it is now in the user's server) in Jupyter, new tab."""
    version = _version(db, user, version_id)
    return RedirectResponse(browser_url(client.open_url, client, user.username, version.path), 303)


@router.get("/analyses/open")
def open_path(
    path: str,
    user: Annotated[User, Depends(current_user)],
    client: Annotated[HubClient, Depends(get_client)],
) -> Response:
    """Open one of the user's notebooks by path in Jupyter (new tab), with a fresh ticket."""
    url = browser_url(client.open_url, client, user.username, check_path(path))
    return RedirectResponse(url, 303)


class PathBody(BaseModel):
    """A notebook's path in the user's server."""

    path: str = Field(max_length=1000)


@router.post("/analyses/compare", dependencies=_GUARDED)
def compare_with_latest(
    body: PathBody,
    user: Annotated[User, Depends(current_user)],
    db: Annotated[Session, Depends(get_db)],
    client: Annotated[HubClient, Depends(get_client)],
) -> dict[str, Any]:
    """Whether the notebook in the user's server is their newest stored version.

    The item page asks when it opens a notebook again (after a failed save, a restarted
    server): edits that never became a version (autosave) are then shown, and the page offers
    the stored version instead of silently choosing one.
    """
    path = check_path(body.path)
    latest = latest_version(db, user, path)
    if latest is None:
        return {"version_id": None, "same": True}
    fetched = call_hub(client.fetch, user.username, path)
    return {"version_id": latest.id, "same": fetched.hash == latest.hash}


@router.post("/versions/{version_id}/keep", dependencies=_GUARDED)
def keep_as_latest(
    version_id: RowId,
    body: PathBody,
    user: Annotated[User, Depends(current_user)],
    db: Annotated[Session, Depends(get_db)],
    client: Annotated[HubClient, Depends(get_client)],
) -> dict[str, Any]:
    """ "Keep mine" after a save conflict: the version (the tab's copy) becomes ``path``'s newest.

    What ``path`` holds now is stored first unless a version has it already (another tab's
    unsaved edits that autosave wrote), so the choice loses nothing; the file is written only
    if it did not change again meanwhile (a conflict error otherwise).
    """
    version = _version(db, user, version_id)
    path = check_path(body.path)
    now = call_hub(client.fetch, user.username, path)
    record_save(db, user, version.item, version.template, path, now)
    written = call_hub(client.put, user.username, path, version.content, expect_hash=now.hash)
    return record_save(db, user, version.item, version.template, path, written).to_json()
