"""A small host application for the embedding tests: a page using ``nblaunch-embed.js`` and a
backend that stores a version through ``NBLaunchClient.fetch`` whenever the page reports a save
the user asked for (``reason: "user"``); the page lists every reason it heard in ``window.saves``.

``serve(tls=...)`` runs it on 127.0.0.1 in a thread, over HTTP or HTTPS; ``hub_harness()``
gives the real-Hub helpers of ``tests/hub/conftest.py`` (``start_hub``, ``make_hub``, tokens);
``wait_ready``, ``edit_last_cell``, ``wait_versions`` and ``source`` drive a host page.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from nblaunch.client import STATIC_DIR, NBLaunchClient, NBLaunchClientError, Notebook


def hub_harness() -> Any:
    """The Hub harness module, ``tests/_harness/hub.py`` (its fixtures are a plugin already)."""
    import _harness.hub

    return _harness.hub


PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>host</title></head><body>
<button id="save">Save</button> <span id="status"></span>
<div id="nb" style="width: 1000px; height: 700px"></div>
<script type="application/json" id="cfg">{cfg}</script>
<script type="module">
import {{ embed }} from "/static/nblaunch-embed.js";
const cfg = JSON.parse(document.getElementById("cfg").textContent);
const status = document.getElementById("status");
const nb = embed(document.getElementById("nb"), cfg.options);
window.nb = nb;
window.log = [];
async function store(path, why) {{
  const r = await fetch("/save", {{method: "POST", headers: {{"Content-Type": "application/json"}},
                                   body: JSON.stringify({{user: cfg.user, path}})}});
  const body = await r.json();
  window.log.push([why, r.status, body]);
  return body;
}}
nb.on("ready", ({{ path }}) => {{ window.readyPath = path; }});
window.saves = [];
nb.on("saved", ({{ path, reason }}) => {{
  window.saves.push(reason);
  if (reason === "user") store(path, "saved-event");  // not autorun's or autosave's
}});
nb.on("error", (e) => window.log.push(["error", e]));
nb.on("kernel", ({{ status }}) => {{ window.kernelStatus = status; }});
document.getElementById("save").onclick = async () => {{
  status.textContent = "Saving...";
  try {{
    const {{ path }} = await nb.save();
    await store(path, "button");
    status.textContent = "Saved";
  }} catch (err) {{
    status.textContent = "Save failed: " + err.message;
  }}
}};
</script></body></html>
"""


@dataclass
class Host:
    """The host application: its URL, its client and the versions it stored per user."""

    url: str
    client: NBLaunchClient | None = None
    hub_origin: str = ""
    store: dict[str, list[Notebook]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def versions(self, user: str) -> list[Notebook]:
        with self.lock:
            return list(self.store.get(user, []))

    def keep(self, user: str, path: str) -> tuple[int, dict[str, Any]]:
        """What the host backend does on a save: fetch, store a new version if it changed."""
        assert self.client is not None
        try:
            found = self.client.fetch(user, path)
        except NBLaunchClientError as err:
            return 409, {"stored": False, "error": err.message}
        with self.lock:
            versions = self.store.setdefault(user, [])
            changed = not versions or versions[-1].hash != found.hash
            if changed:
                versions.append(found)
        return 200, {"stored": changed, "hash": found.hash}


def handler_for(host: Host) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/static/nblaunch-embed.js":
                body = (STATIC_DIR / "nblaunch-embed.js").read_bytes()
                return self._send(200, "text/javascript", body)
            if parts.path != "/embed" or host.client is None:
                return self._send(404, "text/plain", b"not found")
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            user = query["user"]
            values = {"n": int(query.get("n", "5"))}
            autorun = query.get("autorun") == "1"
            src = host.client.launch_url(user, "stats", values, autorun=autorun)
            if "path" in query:  # straight to a notebook of a user already logged in
                src = f"{host.client.hub_url}user/{user}/doc/tree/{query['path']}"
            options = {
                "src": src,
                "origin": host.hub_origin,
                "readyTimeout": int(query.get("ready", "60000")),
                "saveTimeout": 15000,
            }
            cfg = json.dumps({"user": user, "options": options}).replace("</", "<\\/")
            self._send(200, "text/html", PAGE.format(cfg=cfg).encode())

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            status, answer = host.keep(body["user"], body["path"])
            self._send(status, "application/json", json.dumps(answer).encode())

        def _send(self, status: int, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def serve(tls: tuple[Path, Path] | None = None) -> tuple[Host, ThreadingHTTPServer]:
    """A host application on a free 127.0.0.1 port; ``tls`` is (certificate, key) for HTTPS."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    scheme = "http"
    if tls is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*map(str, tls))
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    host = Host(url=f"{scheme}://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = handler_for(host)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return host, server


def wait_ready(page: Any) -> str:
    """Wait for the host page's ``ready`` event; return the notebook's path."""
    page.wait_for_function("typeof window.readyPath === 'string'", timeout=90_000)
    return str(page.evaluate("window.readyPath"))


def edit_last_cell(frame: Any, text: str) -> None:
    """Type ``text`` at the end of the notebook's last cell, as a person would."""
    editor = frame.locator(".jp-Notebook .jp-Cell .cm-content").last
    editor.click()
    editor.press("Control+End")
    editor.press_sequentially(text)


def source(notebook: Notebook) -> str:
    """Every cell's source of a stored version, one after the other."""
    return "\n".join("".join(cell["source"]) for cell in notebook.content["cells"])


def wait_versions(host: Host, user: str, count: int, timeout: float = 20) -> list[Notebook]:
    """Wait until the host stored ``count`` versions for ``user``; return them."""
    deadline = time.monotonic() + timeout
    while len(host.versions(user)) < count:
        assert time.monotonic() < deadline, f"the host stored {len(host.versions(user))} versions"
        time.sleep(0.1)
    return host.versions(user)
