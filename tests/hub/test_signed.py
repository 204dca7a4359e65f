"""Signed links through a real Hub: ``configure(c, link_key_file=...)`` gives the service the
keys (not the users' servers), a signed link opens and its copy names the key, a changed one is
refused with a 403 before any server starts, and "Copy launch link" in a user's server writes
the hub door's link."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from traitlets.config import Config

from nblaunch.core import LinkSigner, build_link
from nblaunch.hub import configure

from .conftest import SERVICE_TOKEN, Hub

SECRET = "h" * 40


@pytest.fixture(scope="module")
def signing_hub(make_hub: Callable[..., Hub], tmp_path_factory: pytest.TempPathFactory) -> Hub:
    keys = tmp_path_factory.mktemp("keys") / "link-keys"
    keys.write_text(f"hub-1:{SECRET}\n")
    return make_hub(link_key_file=str(keys))


def _link(hub: Hub, values: dict[str, object], **kw: object) -> str:
    signer = LinkSigner("hub-1", SECRET.encode(), ttl=600)
    return build_link(hub.url, "stats", values, sign_with=signer, **kw)  # type: ignore[arg-type]


@pytest.mark.integration
def test_a_signed_link_opens_and_a_changed_one_is_refused(signing_hub: Hub) -> None:
    hub = signing_hub
    with hub.client() as client:
        hub.login(client, "sam")
        changed = _link(hub, {"n": 5}, autorun=True).replace("n=5", "n=6")
        refused = hub.launch(client, changed)  # through the service's OAuth, to the page
        assert refused.status_code == 403, refused.text[:500]
        assert "parameter &#39;n&#39; was changed" in refused.text
        api = client.get(changed, headers={"Accept": "application/json"})
        assert (api.status_code, api.json()["code"]) == (403, "bad-signature")
        assert hub.servers("sam") == {}  # refused before any server started
        landing = hub.launch(client, _link(hub, {"n": 5}, autorun=True))
    assert landing.status_code == 302, landing.text[:500]
    path = re.sub(r"^.*?/lab/tree/", "", urlparse(landing.headers["location"]).path)
    meta = json.loads((hub.home("sam") / unquote(path)).read_text())["metadata"]["nblaunch"]
    assert (meta["signed_by"], meta["parameters"]) == ("hub-1", {"n": 5})


def test_configure_gives_the_key_file_to_the_service_only() -> None:
    c = Config()
    c.JupyterHub.bind_url = "https://hub.example.org/jhub/"
    configure(c, link_key_file="keys/link-keys")
    env = c.JupyterHub.services[0]["environment"]
    assert env["NBLAUNCH_LINK_KEY_FILE"] == os.path.abspath("keys/link-keys")
    # Users run code in their servers: a key there would let any user sign links.
    assert not [a for a in c.Spawner.args if "link_key_file" in a]
    assert "NBLAUNCH_LINK_KEY_FILE" not in c.Spawner.environment
    assert c.Spawner.environment["NBLAUNCH_HUB_SERVICE_URL"] == (
        "https://hub.example.org/jhub/services/nblaunch/"
    )
    unsigned = Config()
    configure(unsigned)
    assert "NBLAUNCH_LINK_KEY_FILE" not in unsigned.JupyterHub.services[0]["environment"]


@pytest.mark.integration
def test_the_users_servers_write_the_hub_doors_link(signing_hub: Hub) -> None:
    with signing_hub.client() as client:
        signing_hub.login(client, "sam")
        signing_hub.launch(client, _link(signing_hub, {"n": 1}))
    # The user's own server writes the hub door's link ("Copy launch link").
    response = _post_link(signing_hub, "sam", {"n": 3})
    assert response["link"].startswith(signing_hub.url + "services/nblaunch/open/stats?n=3")


def _post_link(hub: Hub, user: str, values: dict[str, object]) -> dict[str, str]:
    import httpx

    home = hub.home(user)
    copies = sorted((home / "nblaunch").glob("stats-*.ipynb"))
    assert copies, list(home.rglob("*"))
    nb = json.loads(copies[0].read_text())
    for cell in nb["cells"]:
        if "injected-parameters" in cell["metadata"].get("tags", []):
            cell["source"] = "".join(f"{k} = {v!r}\n" for k, v in values.items())
    edited = home / "nblaunch" / "edited.ipynb"
    edited.write_text(json.dumps(nb))
    response = httpx.post(
        hub.url + f"user/{user}/nblaunch/api/link",
        json={"path": str(Path("nblaunch") / "edited.ipynb")},
        headers={"Authorization": f"token {SERVICE_TOKEN}"},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())
