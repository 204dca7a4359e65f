"""End to end in Debian's Chromium: launch links in JupyterLab and Notebook 7, autorun, and the
postMessage host bridge seen from an allowed and from a refused host page.

One real ``jupyter lab`` and one ``jupyter notebook`` process per module (``_harness.lab``,
token auth off), on 127.0.0.1, with the host page served from another port.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import nbformat
import pytest
from _harness.hub import free_port
from _harness.lab import Lab, start_lab

pytestmark = pytest.mark.browser

PARAMETERS = 'image_id = 2959331  # which image\nlabel = "a"'
LAST_CELL = 'print("RESULT", image_id * 2, label)'
HOST_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>host</title></head>
<body style="margin:0">
<iframe id="nb" src="%(src)s" style="width:1200px;height:800px;border:0"
  allow="local-network-access; local-network; loopback-network"></iframe>
<script>
  window.received = [];
  window.addEventListener('message', e => window.received.push({origin: e.origin, data: e.data}));
  window.send = msg => document.getElementById('nb').contentWindow.postMessage(msg, %(target)s);
</script>
</body></html>
"""


class _HostHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        src = parse_qs(urlsplit(self.path).query).get("src", [""])[0]
        target = json.dumps("{0.scheme}://{0.netloc}".format(urlsplit(src)))
        body = (HOST_PAGE % {"src": src.replace('"', "&quot;"), "target": target}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _serve_host() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _HostHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def host_port() -> Iterator[int]:
    """The allowed host: ``/host.html?src=<iframe url>`` embeds ``src`` and records messages."""
    yield from _serve_host()


@pytest.fixture(scope="module")
def other_host_port() -> Iterator[int]:
    """The same host page on another port: the same site, but not an allowed origin."""
    yield from _serve_host()


def _templates(root: Path) -> None:
    for name in ("stats.ipynb", "autorun.ipynb"):
        nb = nbformat.v4.new_notebook(
            metadata={
                "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
            }
        )
        cells = [PARAMETERS, LAST_CELL]
        if name == "autorun.ipynb":
            # Each run leaves a line on disk, so a second run cannot go unnoticed.
            cells.insert(1, 'with open(f"runs-{label}.txt", "a") as f:\n    f.write("run\\n")')
        nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
        nb.cells[0].metadata["tags"] = ["parameters"]
        nbformat.write(nb, str(root / name))


def _start(app: str, tmp: Path, host_origin: str) -> Iterator[Lab]:
    """One server of ``app`` serving the templates, embeddable by ``host_origin`` only, with
    the ``auto*.ipynb`` templates trusted to run without asking."""
    options = {
        "LaunchConfig.embed_origins": host_origin,
        "LaunchConfig.trusted_globs": "auto*.ipynb",
    }
    with start_lab(tmp / "root", app=app, options=options) as server:
        _templates(server.root)
        yield server


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, host_port: int) -> Iterator[Lab]:
    yield from _start("lab", tmp_path_factory.mktemp("lab"), f"http://127.0.0.1:{host_port}")


@pytest.fixture(scope="module")
def notebook(tmp_path_factory: pytest.TempPathFactory, host_port: int) -> Iterator[Lab]:
    yield from _start(
        "notebook", tmp_path_factory.mktemp("notebook"), f"http://127.0.0.1:{host_port}"
    )


def _expect_injected(page, image_id: int, label: str) -> None:
    cell = page.locator(".jp-Notebook .jp-Cell .cm-content").filter(
        has_text=f"image_id = {image_id}"
    )
    cell.first.wait_for(state="visible")
    # JupyterLab restores the tabs of earlier tests (its workspace), so pick this launch's label.
    badge = page.locator(".jp-nblaunch-label").filter(has_text=f"image_id={image_id},")
    badge.wait_for(state="visible")
    assert badge.inner_text() == f"nblaunch: stats · image_id={image_id}, label={label}"


def test_link_opens_the_notebook_in_jupyterlab(page, lab):
    page.goto(lab.url + "nblaunch/open/stats.ipynb?image_id=4242&label=hello")
    assert urlsplit(page.url).path.startswith("/lab/tree/nblaunch/stats-image_id-4242-")
    _expect_injected(page, 4242, "hello")
    assert lab.path_of(page.url, "lab/tree/").exists()


def test_link_opens_the_notebook_in_notebook7(page, notebook):
    page.goto(notebook.url + "nblaunch/open/stats.ipynb?image_id=4343&label=nb7&ui=notebook")
    assert urlsplit(page.url).path.startswith("/notebooks/nblaunch/stats-image_id-4343-")
    _expect_injected(page, 4343, "nb7")


def _read_copy(copy: Path) -> nbformat.NotebookNode:
    """The copy on disk; read again while a save is half-written (the server writes in place)."""
    deadline = time.monotonic() + 5
    while True:
        try:
            return nbformat.read(str(copy), as_version=4)
        except ValueError:  # nbformat's NotJSONError included
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _no_grant(path: str):
    """A predicate for the console line the plugin writes when the server grants no run."""
    return lambda message: f"nblaunch: no autorun grant for {path}" in message.text


@pytest.mark.parametrize(("ui", "prefix"), [("lab", "lab/tree/"), ("notebook", "notebooks/")])
def test_autorun_shows_the_last_output_without_a_click(page, lab, notebook, ui, prefix):
    server = lab if ui == "lab" else notebook
    page.goto(server.url + f"nblaunch/open/autorun.ipynb?image_id=21&label={ui}&autorun=1&ui={ui}")
    output = page.locator(".jp-OutputArea-output").filter(has_text=f"RESULT 42 {ui}")
    output.wait_for(state="visible", timeout=60_000)
    copy = server.path_of(page.url, prefix)
    runs = copy.parent / f"runs-{ui}.txt"
    assert runs.read_text() == "run\n"
    # The grant was used up: reloading the notebook asks again, is refused, and runs nothing.
    path = str(copy.relative_to(server.root))
    with page.expect_console_message(_no_grant(path), timeout=60_000):
        page.reload()
    assert runs.read_text() == "run\n"


def test_a_notebook_that_claims_autorun_in_its_metadata_never_runs(page, lab):
    # Issue 9, finding 1: a notebook downloaded from anywhere, whose metadata said
    # {"nblaunch": {"template": ..., "autorun": true}}, ran all its cells when opened.
    nb = nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "python3", "display_name": "P", "language": "python"}}
    )
    nb.cells = [nbformat.v4.new_code_cell('open("planted-ran.txt", "w").write("ran")')]
    nb.metadata["nblaunch"] = {"template": "autorun.ipynb", "parameters": {}, "autorun": True}
    nbformat.write(nb, str(lab.root / "planted.ipynb"))
    with page.expect_console_message(_no_grant("planted.ipynb"), timeout=60_000):
        page.goto(lab.url + "lab/tree/planted.ipynb")
    assert not (lab.root / "planted-ran.txt").exists()


def _last_output_on_disk(copy: Path) -> str:
    outputs = _read_copy(copy).cells[-1].get("outputs", [])
    return "".join(str(o.get("text", "")) for o in outputs)


def test_autorun_saves_its_outputs_when_the_run_ends(page, lab):
    page.goto(lab.url + "nblaunch/open/autorun.ipynb?image_id=5&label=saved&autorun=1")
    output = page.locator(".jp-OutputArea-output").filter(has_text="RESULT 10 saved")
    output.wait_for(state="visible", timeout=60_000)
    copy = lab.path_of(page.url, "lab/tree/")
    # Well before JupyterLab's autosave (every 120 s): the plugin's save at the end of the run.
    deadline = time.monotonic() + 15
    while "RESULT 10 saved" not in _last_output_on_disk(copy):
        assert time.monotonic() < deadline, "the autorun's outputs were not saved"
        time.sleep(0.2)
    assert "autorun" not in _read_copy(copy).metadata["nblaunch"]
    runs = copy.parent / "runs-saved.txt"
    assert runs.read_text() == "run\n"
    # The same link again: the server grants the reused copy a run, so it runs (and saves) again.
    page.goto(lab.url + "nblaunch/open/autorun.ipynb?image_id=5&label=saved&autorun=1")
    assert lab.path_of(page.url, "lab/tree/") == copy
    deadline = time.monotonic() + 60
    while runs.read_text() != "run\nrun\n":
        assert time.monotonic() < deadline, (runs.read_text(), "the reused copy did not run")
        time.sleep(0.2)
    while "RESULT 10 saved" not in _last_output_on_disk(copy):
        assert time.monotonic() < deadline, "the re-run's outputs were not saved"
        time.sleep(0.2)


def _host_url(host: str, port: int, lab: Lab, query: str) -> str:
    src = lab.url + "nblaunch/open/stats.ipynb?" + query
    return f"http://{host}:{port}/host.html?src={quote(src, safe='')}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object) -> None:
        return None


def _open_link(lab: Lab, query: str) -> str:
    """Follow a launch link outside the browser; the copy's page (``Location``)."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(lab.url + "nblaunch/open/stats.ipynb?" + query, timeout=10)
    except urllib.error.HTTPError as err:
        assert err.code == 302, err.read()
        return str(err.headers["Location"])
    raise AssertionError("the launch link did not redirect")


def _messages(page, kind: str) -> list[dict]:
    return [m for m in page.evaluate("window.received") if m["data"].get("type") == kind]


def _wait_message(page, kind: str, timeout: float = 30_000, **fields) -> dict:
    check = " && ".join(
        [f"m.data.type === {json.dumps(kind)}"]
        + [f"m.data[{json.dumps(k)}] === {json.dumps(v)}" for k, v in fields.items()]
    )
    page.wait_for_function(f"window.received.some(m => {check})", timeout=timeout)
    wanted = fields.items()
    return next(m for m in _messages(page, kind) if all(m["data"].get(k) == v for k, v in wanted))


def _edit_last_cell(frame, text: str) -> None:
    editor = frame.locator(".jp-Notebook .jp-Cell .cm-content").last
    editor.click()
    editor.press("Control+End")
    editor.press_sequentially(text)


def test_allowed_host_page_saves_through_the_bridge(page, lab, host_port):
    page.goto(_host_url("127.0.0.1", host_port, lab, "image_id=77&label=host&ui=doc"))
    # With one allowed origin the bridge announces itself before any request.
    ready = _wait_message(page, "ready")
    assert ready["origin"] == lab.url.rstrip("/")
    path = ready["data"]["path"]
    assert path.startswith("nblaunch/stats-image_id-77-")
    copy = lab.root / path

    page.evaluate("window.send({nblaunch: 1, type: 'ping', id: 'p1'})")
    assert _wait_message(page, "pong", id="p1")["data"]["path"] == path

    frame = page.frame_locator("#nb")
    _edit_last_cell(frame, "  # edited-in-the-iframe")
    _wait_message(page, "dirty", dirty=True)
    page.evaluate("window.send({nblaunch: 1, type: 'save', id: 's1'})")
    saved = _wait_message(page, "saved", id="s1")["data"]
    assert saved["path"] == path and saved["last_modified"]
    assert "# edited-in-the-iframe" in copy.read_text()

    # Every save is also announced as an event without an id, whoever started it.
    events = "window.received.filter(m => m.data.type === 'saved' && m.data.id === undefined)"
    announced = page.evaluate(f"{events}.length")
    assert announced >= 1
    _edit_last_cell(frame, "  # and-again")
    frame.locator(".jp-Notebook").press("Control+s")
    page.wait_for_function(f"{events}.length > {announced}")
    assert "# and-again" in copy.read_text()

    page.evaluate("window.send({nblaunch: 1, type: 'run-all', id: 'r1'})")
    assert _wait_message(page, "ran", id="r1", timeout=60_000)["data"]["ok"] is True
    frame.locator(".jp-OutputArea-output").filter(has_text="RESULT 154 host").wait_for()
    assert _messages(page, "kernel"), "no kernel status event"
    # Every message came from the embedded server, in protocol version 1.
    assert {m["origin"] for m in page.evaluate("window.received")} == {lab.url.rstrip("/")}
    assert {m["data"]["nblaunch"] for m in page.evaluate("window.received")} == {1}


def _strip_csp(route) -> None:
    if route.request.resource_type != "document":
        route.continue_()
        return
    # Redirects go back to the browser, so that the frame's URL is the notebook's page.
    response = route.fetch(max_redirects=0)
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-security-policy"}
    route.fulfill(response=response, headers=headers)


def _send_requests_and_wait(page) -> None:
    for request in ("ping", "save", "run-all"):
        page.evaluate(f"window.send({{nblaunch: 1, type: '{request}', id: 'x'}})")
    page.wait_for_timeout(3000)


def _only_copy(lab: Lab, image_id: int) -> Path:
    copies = sorted((lab.root / "nblaunch").glob(f"stats-image_id-{image_id}-*.ipynb"))
    assert len(copies) == 1, copies
    return copies[0]


def test_localhost_page_gets_no_reply_and_causes_no_save(page, lab, host_port):
    # localhost is another site than 127.0.0.1: frame-ancestors keeps the server out of the
    # frame, and the bridge would not answer that origin either.
    page.goto(_host_url("localhost", host_port, lab, "image_id=88&label=other&ui=doc"))
    page.wait_for_timeout(2000)

    def snapshot() -> dict[Path, tuple[int, str]]:
        # The server may or may not have written the copy (the frame's request can be refused
        # before it is sent); either way nothing may change after the requests.
        found = (lab.root / "nblaunch").glob("stats-image_id-88-*.ipynb")
        return {p: (p.stat().st_mtime_ns, p.read_text()) for p in found}

    before = snapshot()
    _send_requests_and_wait(page)
    assert page.evaluate("window.received") == []
    assert snapshot() == before


def test_bridge_ignores_an_origin_that_is_not_allowed(browser, lab, other_host_port):
    # Another port on 127.0.0.1 is the same site but not an allowed origin. The browser is told
    # to ignore frame-ancestors here, so that the plugin's own origin check is what is tested.
    context = browser.new_context()
    # A fulfilled response has no address space, so Chromium's local network access checks
    # need the permission to let the frame reach 127.0.0.1.
    context.grant_permissions(["local-network-access"])
    context.route(lab.url + "**", _strip_csp)
    page = context.new_page()
    # The frame opens the copy's page directly: a redirect followed inside the browser would
    # escape the route that drops the header.
    location = _open_link(lab, "image_id=99&label=other&ui=doc")
    src = quote(lab.url + location.lstrip("/"), safe="")
    page.goto(f"http://127.0.0.1:{other_host_port}/host.html?src={src}")
    frame = page.frame_locator("#nb")
    frame.locator(".jp-nblaunch-label").filter(has_text="image_id=99,").wait_for()
    copy = _only_copy(lab, 99)
    _edit_last_cell(frame, "  # must-not-be-saved")
    before = (copy.stat().st_mtime_ns, copy.read_text())
    _send_requests_and_wait(page)
    assert page.evaluate("window.received") == []
    assert (copy.stat().st_mtime_ns, copy.read_text()) == before
    assert "must-not-be-saved" not in before[1]
    context.close()


def test_error_page_form_corrects_the_link(page, lab):
    page.goto(lab.url + "nblaunch/open/stats.ipynb?image_id=abc&label=fixed")
    assert "must be an integer" in page.locator("#nblaunch-message").inner_text()
    page.fill("#p-image_id", "4545")
    page.click("#nblaunch-form button[type=submit]")
    page.wait_for_url("**/lab/tree/nblaunch/stats-image_id-4545-*")
    _expect_injected(page, 4545, "fixed")


def test_a_link_to_run_an_unmarked_template_asks_first_then_runs(page, lab):
    # stats.ipynb is not among the trusted templates (auto*.ipynb): the user is asked.
    page.goto(lab.url + "nblaunch/open/stats.ipynb?image_id=31&label=asked&autorun=1")
    values = page.locator("#nblaunch-values")
    values.wait_for()
    assert "image_id" in values.inner_text() and "31" in values.inner_text()
    assert not list((lab.root / "nblaunch").glob("stats-image_id-31-*"))  # nothing written yet
    page.click("#nblaunch-run")
    page.wait_for_url("**/lab/tree/nblaunch/stats-image_id-31-*")
    output = page.locator(".jp-OutputArea-output").filter(has_text="RESULT 62 asked")
    output.wait_for(state="visible", timeout=60_000)


def test_open_without_running_opens_the_copy_and_runs_nothing(page, lab):
    page.goto(lab.url + "nblaunch/open/stats.ipynb?image_id=32&label=declined&autorun=1")
    with page.expect_console_message(
        _no_grant_prefix("nblaunch/stats-image_id-32-"), timeout=60_000
    ):
        page.click("#nblaunch-norun")
    _expect_injected(page, 32, "declined")
    assert page.locator(".jp-OutputArea-output").filter(has_text="RESULT 64").count() == 0


def _no_grant_prefix(prefix: str):
    return lambda message: f"nblaunch: no autorun grant for {prefix}" in message.text
