"""OAuth login states shared by the service's replicas: begun on one, finished on another."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from nblaunch.hub.oauthstate import OAuthStates, SharedStateHubOAuth


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def replica(url: str) -> SharedStateHubOAuth:
    """The service's HubOAuth as one replica makes it (its own engine on the shared database)."""
    return SharedStateHubOAuth(
        api_token="t" * 32, oauth_client_id="service-nblaunch", states=OAuthStates(url)
    )


def test_a_login_begun_on_one_replica_is_known_to_another(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'jupyterhub.sqlite'}"
    one, two = replica(url), replica(url)
    state = one.generate_state("/services/nblaunch/open/stats?n=2", code_verifier="v" * 43)
    assert not one._oauth_states  # nothing kept in the process that began the login
    assert two.get_next_url(state) == "/services/nblaunch/open/stats?n=2"
    assert two._decode_state(state)["code_verifier"] == "v" * 43
    assert two.get_state_cookie_name(state) == one.state_cookie_name
    two.clear_oauth_state(state)
    assert one._decode_state(state) == {}
    # An unknown state: the service's prefix, as HubOAuth answers.
    assert two.get_next_url("unknown") == two.base_url


def test_states_expire_with_the_state_cookie(tmp_path: Path) -> None:
    clock = Clock()
    states = OAuthStates(f"sqlite:///{tmp_path / 'hub.sqlite'}", max_age=600, clock=clock)
    states.put("old", {"next_url": "/a"})
    clock.now += 601
    assert states.get("old") == {}
    states.put("new", {"next_url": "/b"})  # and the expired row is deleted
    with states.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT id FROM nblaunch_oauth_states").fetchall() == [("new",)]


def test_a_state_id_is_recorded_once(tmp_path: Path) -> None:
    states = OAuthStates(f"sqlite:///{tmp_path / 'hub.sqlite'}")
    states.put("s", {"next_url": "/a"})
    with pytest.raises(IntegrityError):
        states.put("s", {"next_url": "/evil"})
    assert states.get("s") == {"next_url": "/a"}


def test_a_table_another_replica_created_meanwhile_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from nblaunch.hub import oauthstate

    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    create_all = oauthstate._metadata.create_all
    calls = []

    def racing(engine: Any) -> None:
        calls.append(engine)
        if len(calls) == 1:  # the other replica's CREATE TABLE wins; ours fails
            create_all(engine)
            raise OperationalError("CREATE TABLE", {}, Exception("already exists"))
        create_all(engine)

    monkeypatch.setattr(oauthstate._metadata, "create_all", racing)
    states = OAuthStates(url)
    states.put("s", {"next_url": "/a"})
    assert states.get("s") == {"next_url": "/a"} and len(calls) == 2


def test_docstring_examples() -> None:
    import doctest

    from nblaunch.hub import oauthstate

    assert doctest.testmod(oauthstate).failed == 0
