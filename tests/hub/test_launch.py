"""The launch flow through a real Hub: login, spawn with progress, copy written, 302 to the UI."""

from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, unquote, urljoin, urlparse

import httpx
import nbformat
import pytest
from _harness.waiting import wait_until

from .conftest import PASSWORDS, SERVICE_TOKEN, Hub, read_events, read_stream

pytestmark = pytest.mark.integration


def copy_in(hub: Hub, user: str, location: str) -> dict:
    """The notebook the redirect points at, read from the user's home."""
    path = re.sub(r"^.*?/(lab/tree|doc/tree|notebooks)/", "", urlparse(location).path)
    return json.loads((hub.home(user) / path).read_text())


def redeem(hub: Hub, user: str, location: str) -> bool:
    """Ask the user's server, as the plugin does on opening, whether the copy may run now.

    Uses the service's token (``access:servers``), which the test holds; the plugin uses the
    user's own login. A grant works once, so this uses it up.
    """
    path = re.sub(r"^.*?/(lab/tree|doc/tree|notebooks)/", "", urlparse(location).path)
    response = httpx.post(
        hub.url + f"user/{user}/nblaunch/api/grants/redeem",
        json={"path": unquote(path)},
        headers={"Authorization": f"token {SERVICE_TOKEN}"},
    )
    assert response.status_code == 200, response.text
    return bool(response.json()["run"])


def log_in_with_password(hub: Hub, client: httpx.Client, response: httpx.Response) -> str:
    """Submit the Hub's login form reached by following ``response``; return the next URL."""
    url = str(response.url)
    while response.is_redirect:
        url = urljoin(url, response.headers["location"])
        response = client.get(url)
    assert urlparse(url).path == "/hub/login", url
    xsrf = re.search(r'name="_xsrf"[^>]*value="([^"]+)"', response.text)
    assert xsrf, response.text[:500]
    data = {"username": "alice", "password": PASSWORDS["alice"], "_xsrf": xsrf.group(1)}
    posted = client.post(url, data=data)
    assert posted.status_code == 302, posted.text[:500]
    return urljoin(url, posted.headers["location"])


def test_not_logged_in_login_back_with_every_parameter_then_spawn_copy_and_lab(hub: Hub) -> None:
    link = hub.service + "open/stats?n=5&label=hello+world&autorun=1&utm_source=x"
    with hub.client() as client:
        first = client.get(link)
        assert first.is_redirect  # to the Hub's OAuth, then its login page
        url = log_in_with_password(hub, client, first)
        # Follow the Hub back to the service: the link comes back with its whole query.
        seen = []
        response = client.get(url)
        while response.is_redirect:
            url = urljoin(url, response.headers["location"])
            seen.append(url)
            response = client.get(url)
        assert url == link, seen
        assert response.status_code == 200
        assert 'id="nblaunch-progress"' in response.text
        events = read_events(client, hub.service + "api/progress", response.text)
        assert events[-1]["ready"] is True
        assert all("url" not in e and "html_message" not in e for e in events)
        landing = client.get(link)
    assert landing.status_code == 302
    location = landing.headers["location"]
    assert re.match(
        r"^/user/alice/lab/tree/nblaunch/stats-label-hello-world-n-5-\w+\.ipynb$", location
    )
    copy = copy_in(hub, "alice", location)
    injected = [c for c in copy["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert "n = 5" in "".join(injected[0]["source"])
    assert 'label = "hello world"' in "".join(injected[0]["source"])
    meta = copy["metadata"]["nblaunch"]
    assert meta["parameters"] == {"n": 5, "label": "hello world"}
    assert "autorun" not in meta  # the file holds no permission; the server holds a grant
    assert redeem(hub, "alice", location) is True
    assert redeem(hub, "alice", location) is False  # once
    assert meta["link"].endswith("/services/nblaunch/open/stats?n=5&label=hello%20world&autorun=1")


def test_the_redirect_opens_jupyterlab(hub: Hub) -> None:
    with hub.client() as client:
        hub.login(client, "alice")
        landing = hub.launch(client, hub.service + "open/stats?n=6")
        lab = client.get(urljoin(hub.url, landing.headers["location"]), follow_redirects=True)
    assert lab.status_code == 200
    assert "/user/alice/lab/tree/nblaunch/stats-n-6-" in str(lab.url)
    assert "jupyter-config-data" in lab.text


def test_running_server_redirects_at_once_and_ui_notebook(hub: Hub) -> None:
    with hub.client() as client:
        hub.login(client, "alice")
        hub.launch(client, hub.service + "open/stats?n=7")
        response = client.get(hub.service + "open/stats?n=7&ui=notebook")
    assert response.status_code == 302
    assert response.headers["location"].startswith("/user/alice/notebooks/nblaunch/stats-n-7-")


def test_template_default_ui_and_no_autorun_for_an_unmarked_template(hub: Hub) -> None:
    with hub.client() as client:
        hub.login(client, "alice")
        hub.launch(client, hub.service + "open/stats?n=1")
        # An API client is never asked: the unmarked template opens without running.
        landing = client.get(
            hub.service + "open/plain?autorun=1", headers={"Accept": "application/json"}
        )
    assert landing.headers["location"].startswith("/user/alice/doc/tree/nblaunch/plain-")
    assert redeem(hub, "alice", landing.headers["location"]) is False


def test_named_server(hub: Hub) -> None:
    with hub.client() as client:
        hub.login(client, "alice")
        landing = hub.launch(client, hub.service + "open/stats?n=8&server=second")
    assert landing.headers["location"].startswith("/user/alice/second/lab/tree/nblaunch/stats-n-8-")
    assert hub.servers("alice")["second"]["ready"] is True
    copy_in(hub, "alice", landing.headers["location"])


def test_invalid_parameters_400_before_any_server_starts(hub: Hub) -> None:
    with hub.client() as client:
        hub.login(client, "carol")
        page = hub.launch(client, hub.service + "open/stats?n=abc&label=x&autorun=1")
        api = client.get(hub.service + "open/stats?n=abc&nope=1", headers={"Accept": "*/*"})
    assert page.status_code == 400
    assert 'id="nblaunch-form"' in page.text
    assert 'name="n" value="abc"' in page.text
    assert 'name="autorun" value="1"' in page.text
    assert api.status_code == 400
    body = api.json()
    assert body["code"] == "invalid-parameters"
    assert {p["code"] for p in body["problems"]} == {"wrong-type", "unknown-parameter"}
    assert hub.servers("carol") == {}


@pytest.mark.parametrize(
    "path",
    [
        "open/nope",
        "open/..%2Fstats",
        "open/%2E%2E%2Fstats",
        "open/..%5Cstats",
        "open/a/b",
        "open/.stats",
        "open/stats.ipynb",
        "open/%2Fetc%2Fpasswd",
    ],
)
def test_unknown_or_path_like_template_404(hub: Hub, path: str) -> None:
    with hub.client() as client:
        hub.login(client, "carol")
        hub.launch(client, hub.service)
        response = client.get(hub.service + path, headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert "code" in response.json()
    assert hub.servers("carol") == {}


def test_bad_server_name_is_a_400(hub: Hub) -> None:
    with hub.client() as client:
        hub.login(client, "carol")
        hub.launch(client, hub.service)
        response = client.get(hub.service + "open/stats?server=Bad_Name", headers={"Accept": "*/*"})
    assert response.status_code == 400
    assert response.json()["code"] == "bad-control"


@pytest.mark.parametrize(
    "target", ["https://evil.example/x", "//evil.example/x", "///evil.example/x", "/\\evil.example"]
)
def test_off_site_next_is_refused(hub: Hub, target: str) -> None:
    with hub.client() as client:
        response = client.get(hub.login_url(hub.ticket("alice"), target))
    assert response.status_code == 302
    location = response.headers["location"]
    # A path on the Hub (a backslash arrives escaped, as %5C, so no browser reads it as //).
    assert urlparse(location).netloc == ""
    assert location.startswith("/")
    assert not location.startswith(("//", "/\\"))


def test_catalog_page_and_templates_api(hub: Hub) -> None:
    with hub.client() as client:
        hub.login(client, "alice")
        page = hub.launch(client, hub.service)
    assert page.status_code == 200
    assert 'id="template-stats"' in page.text and "data-copy" in page.text
    headers = {"Authorization": f"token {hub_host_token()}"}
    api = httpx.get(hub.service + "api/templates", headers=headers)
    assert api.status_code == 200
    names = {t["name"]: t for t in api.json()["templates"]}
    assert set(names) == {"stats", "plain"}
    assert names["stats"]["parameters"][0] == {
        "name": "n",
        "type": "int",
        "default": 1,
        "default_source": "1",
        "help": "how many",
    }
    assert names["stats"]["url"] == hub.service + "open/stats"
    assert httpx.get(hub.service + "api/templates").status_code == 403
    script = httpx.get(hub.service + "static/nblaunch-embed.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    spec = httpx.get(hub.service + "api/openapi.json").json()
    assert "/api/users/{username}/contents/{path}" in spec["paths"]


def hub_host_token() -> str:
    from .conftest import HOST_TOKEN

    return HOST_TOKEN


def test_progress_stream_query_params(hub: Hub) -> None:
    with hub.client() as client:
        hub.login(client, "alice")
        hub.launch(client, hub.service)
        bad = client.get(hub.service + "api/progress?server=..%2F", headers={"Accept": "*/*"})
    assert bad.status_code == 400
    assert parse_qs("a=1") == {"a": ["1"]}


def test_copy_policies_never_lose_edits_and_reuse_grants_autorun(hub: Hub) -> None:
    with hub.client() as client:
        hub.login(client, "alice")
        first = hub.launch(client, hub.service + "open/stats?n=11").headers["location"]
        again = client.get(hub.service + "open/stats?n=11").headers["location"]
        assert again == first  # copy=reuse (the default) reopens the same notebook
        fresh = client.get(hub.service + "open/stats?n=11&copy=new").headers["location"]
        assert fresh == first.replace(".ipynb", "-2.ipynb")
        path = hub.home("alice") / re.sub(r"^/user/alice/lab/tree/", "", first)
        edited = json.loads(path.read_text())
        edited["cells"][-1]["source"] = "print('my edit')"
        path.write_text(json.dumps(edited))
        refused = client.get(
            hub.service + "open/stats?n=11&copy=overwrite", headers={"Accept": "application/json"}
        )
        assert refused.status_code == 409
        assert refused.json()["code"] == "copy-edited"
        assert "my edit" in path.read_text()
        untouched = hub.service + "open/stats?n=12"
        hub.launch(client, untouched)
        overwrite = client.get(untouched + "&copy=overwrite")
        assert overwrite.status_code == 302
        # Reused without autorun=1, the copy is opened as it is, with no grant.
        assert redeem(hub, "alice", first) is False
        # With autorun=1 (allowed for stats), the reused copy gets a grant, edits kept.
        rearmed = client.get(hub.service + "open/stats?n=11&autorun=1").headers["location"]
        assert rearmed == first
        copy = nbformat.reads(path.read_text(), as_version=4)
        assert copy.cells == nbformat.reads(json.dumps(edited), as_version=4).cells  # kept
        assert redeem(hub, "alice", first) is True
        refused = client.get(
            hub.service + "open/stats?n=11&copy=overwrite", headers={"Accept": "application/json"}
        )
        assert refused.status_code == 409  # still an edited copy
        # An unmarked template gets no grant without the user's choice, first launch or later.
        as_api = {"Accept": "application/json"}  # never asked: see the consent test
        plain = client.get(hub.service + "open/plain?autorun=1", headers=as_api)
        plain = plain.headers["location"]
        again = client.get(hub.service + "open/plain?autorun=1", headers=as_api)
        assert again.headers["location"] == plain
        assert redeem(hub, "alice", plain) is False
        # An unreadable file at the copy's name is never opened, replaced or granted: the
        # launch writes the next name.
        broken = hub.launch(client, hub.service + "open/stats?n=13").headers["location"]
        broken_path = hub.home("alice") / re.sub(r"^/user/alice/lab/tree/", "", broken)
        broken_path.write_text("{not json")
        again = client.get(hub.service + "open/stats?n=13&autorun=1")
        assert again.status_code == 302
        assert again.headers["location"] == broken.replace(".ipynb", "-2.ipynb")
        assert broken_path.read_text() == "{not json"
        assert redeem(hub, "alice", again.headers["location"]) is True


def test_progress_of_a_stopped_server_reports_failure_not_a_hang(hub: Hub) -> None:
    with hub.client() as client:
        hub.login(client, "gina")
        hub.launch(client, hub.service)
        events = read_events(client, hub.service + "api/progress")
    assert events[-1]["failed"] is True
    assert "not running" in events[-1]["message"]


def test_a_server_that_exits_fails_the_launch_with_its_reason(hub: Hub) -> None:
    with hub.client() as client:
        hub.login(client, "broken-bea")
        page = hub.launch(client, hub.service + "open/stats?n=2", at_progress=True)
        events = read_events(client, hub.service + "api/progress", page.text)
        # Try again: the same link starts the server again and fails the same honest way.
        again = hub.launch(client, hub.service + "open/stats?n=2", at_progress=True)
        retried = read_events(client, hub.service + "api/progress", again.text)
    for stream in (events, retried):
        assert stream[-1]["failed"] is True, stream
        # The spawner's own reason, not the Hub's "didn't respond in 30 seconds".
        assert "Your Jupyter server exited (status 3)" in stream[-1]["message"], stream
    assert not hub.servers("broken-bea")  # nothing left pending or half-started
    assert not list(hub.home("broken-bea").glob("nblaunch/*.ipynb"))


def test_a_long_spawn_relays_the_hubs_keepalives(hub: Hub) -> None:
    with hub.client() as client:
        hub.login(client, "slow-sam")
        page = hub.launch(client, hub.service + "open/stats?n=4", at_progress=True)
        lines = read_stream(client, hub.service + "api/progress", page.text)
    # An SSE comment keeps proxies from closing the stream through the 9 s without news.
    ready = next(i for i, line in enumerate(lines) if '"ready": true' in line)
    assert ":" in lines[:ready], lines
    with hub.client() as client:
        hub.login(client, "slow-sam")
        landing = hub.launch(client, hub.service + "open/stats?n=4")
    assert landing.headers["location"].startswith("/user/slow-sam/lab/tree/nblaunch/stats-")


def test_the_hub_uses_the_fast_spawner(hub: Hub) -> None:
    assert "Using Spawner: nblaunch.hub.spawner.FastLocalSpawner" in hub.log_text()


def test_the_service_logs_each_request_with_secrets_scrubbed(hub: Hub) -> None:
    with hub.client() as client:
        hub.login(client, "lena")
        hub.launch(client, hub.service + "open/stats?n=5&label=logged")
    expected = "302 GET /services/nblaunch/open/stats?n=5&label=logged (lena)"
    # Tornado logs a request once its answer is sent: the line may land a moment after.
    deadline = time.monotonic() + 10
    while expected not in hub.log_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    lines = hub.log_text().splitlines()
    assert any(expected in line for line in lines), [
        line for line in lines if "/services/nblaunch/open/stats?n=5" in line
    ]
    callbacks = [line for line in lines if " GET /services/nblaunch/oauth_callback?" in line]
    assert callbacks
    assert all("code=[secret]" in line and "state=[secret]" in line for line in callbacks)


def test_a_broken_template_is_left_out_and_shown_to_administrators(hub: Hub) -> None:
    broken = hub.templates / "broken.ipynb"
    broken.write_text('{"cells": [], "metadata": {"kernelspec": "python3"}, "nbformat": 4}')
    try:
        with hub.client() as client:
            hub.login(client, "olga")
            page = hub.launch(client, hub.service)
        with hub.client() as client:
            hub.login(client, "alice")
            plain = hub.launch(client, hub.service)
            missing = client.get(
                hub.service + "open/broken", headers={"Accept": "application/json"}
            )
    finally:
        broken.unlink()
    # One bad file leaves the others in the catalog, and its launch is a 404, not a 500.
    assert 'id="template-stats"' in page.text and 'id="template-stats"' in plain.text
    assert 'id="nblaunch-catalog-problems"' in page.text and "broken.ipynb" in page.text
    assert "bad-metadata" in page.text
    assert 'id="nblaunch-catalog-problems"' not in plain.text  # only for administrators
    assert missing.status_code == 404 and missing.json()["code"] == "template-not-found"


@pytest.fixture(scope="module")
def limited_hub(make_hub: Any) -> Hub:
    """A Hub that starts one server at a time and asks a second to retry within 1-2 s."""
    limits = (
        "c.JupyterHub.concurrent_spawn_limit = 1\n"
        "c.JupyterHub.spawn_throttle_retry_range = (1, 2)\n"
    )
    return make_hub(extra_config=limits)


def test_the_progress_page_comes_first_and_waits_out_the_hubs_spawn_limit(
    limited_hub: Hub,
) -> None:
    hub = limited_hub
    with hub.client() as first, hub.client() as second:
        hub.login(first, "slow-sue")  # her server takes 9 s: it holds the Hub's one slot
        hub.login(second, "quinn")
        slow = hub.launch(first, hub.service + "open/stats?n=1", at_progress=True)
        page = hub.launch(second, hub.service + "open/stats?n=2", at_progress=True)
        # The page came before any spawn was asked for; its stream asks, in order.
        assert "start=1" in page.text and "start=1" in slow.text
        with ThreadPoolExecutor(1) as pool:
            holding = pool.submit(read_events, first, hub.service + "api/progress", slow.text)
            wait_until(lambda: hub.servers("slow-sue"), "slow-sue's spawn to be pending")
            events = read_events(second, hub.service + "api/progress", page.text)
            assert holding.result()[-1]["ready"] is True
    queued = [e for e in events if e.get("queued")]
    assert queued and "queued" in queued[0]["message"], events
    assert events[-1]["ready"] is True, events


def test_a_link_that_asks_to_run_an_unmarked_template_asks_first(hub: Hub) -> None:
    html = {"Accept": "text/html"}
    with hub.client() as client:
        hub.login(client, "rosa")
        hub.launch(client, hub.service + "open/stats?n=1")  # her server runs: choices open at once
        asked = client.get(hub.service + "open/plain?autorun=1", headers=html)
        assert asked.status_code == 200 and 'id="nblaunch-consent"' in asked.text
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', asked.text)
        assert xsrf
        url = hub.service + "open/plain?autorun=1"
        forged = client.post(url, data={"run": "1"}, headers=html)
        assert forged.status_code in (302, 403) and "/user/" not in forged.headers.get(
            "location", ""
        )  # no xsrf: not a logged-in request, so nothing opens
        ran = client.post(url, data={"run": "1", "_xsrf": xsrf.group(1)}, headers=html)
        assert ran.status_code == 302 and ran.headers["location"].startswith("/user/rosa/")
        assert redeem(hub, "rosa", ran.headers["location"]) is True
        kept = client.post(url, data={"run": "0", "_xsrf": xsrf.group(1)}, headers=html)
        assert kept.headers["location"] == ran.headers["location"]
        assert redeem(hub, "rosa", kept.headers["location"]) is False


def test_a_links_spawner_options_reach_the_spawn(hub: Hub) -> None:
    # z2jh users choose a profile: opt-profile=gpu is the spawn's user_options, no parameter.
    with hub.client() as client:
        hub.login(client, "pia")
        landing = hub.launch(client, hub.service + "open/stats?n=3&opt-profile=gpu")
    assert hub.servers("pia")[""]["user_options"] == {"profile": "gpu"}
    copy = copy_in(hub, "pia", landing.headers["location"])
    assert copy["metadata"]["nblaunch"]["parameters"] == {"n": 3}


def test_a_warm_launch_asks_the_hub_nothing_and_a_stale_login_recovers(hub: Hub) -> None:
    user = "wanda"

    def lookups() -> int:
        # The Hub logs every API request; the identity itself is GET /hub/api/user.
        return hub.log_text().count(f"GET /hub/api/users/{user} ")

    with hub.client() as client:
        hub.login(client, user)
        assert hub.admin("POST", f"users/{user}/server").status_code in (201, 202)
        wait_until(
            lambda: hub.servers(user).get("", {}).get("ready"), "the server ready", timeout=90
        )
        before = lookups()
        # The service's login happens now: the Hub's answer names the ready server.
        landing = hub.launch(client, hub.service + "open/stats?n=9")
        assert landing.headers["location"].startswith(f"/user/{user}/lab/tree/nblaunch/stats-n-9-")
        assert lookups() == before
        # Stopped behind the service's back: its cached login still says ready.
        assert hub.admin("DELETE", f"users/{user}/server", timeout=60).status_code in (202, 204)
        wait_until(lambda: not hub.servers(user), "the server stopped", timeout=60)
        again = hub.launch(client, hub.service + "open/stats?n=9")
    assert again.headers["location"] == landing.headers["location"]
    assert len(list(hub.home(user).glob("nblaunch/stats-n-9-*.ipynb"))) == 1
