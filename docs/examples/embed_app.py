"""Embed nblaunch in a FastAPI app: a notebook on your page, saved into your own store.

Run: NBLAUNCH_HUB_URL=http://127.0.0.1:8000/ NBLAUNCH_TOKEN=<host token> \\
    NBLAUNCH_SECRET=<ticket secret> uvicorn embed_app:app --port 8090
with configure(c, embed_origins=["http://127.0.0.1:8090"], ...) on the Hub.
"""

from __future__ import annotations

import json
import os

from fastapi import Body, Depends, FastAPI, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from nblaunch.client import STATIC_DIR, NBLaunchClient, NBLaunchClientError, Notebook

hub_url, token, secret = (os.environ[f"NBLAUNCH_{k}"] for k in ("HUB_URL", "TOKEN", "SECRET"))
client = NBLaunchClient(hub_url, token, secret)  # the one Hub token the host ever holds
versions: dict[str, list[Notebook]] = {}  # your database: what each user saved, per user
app = FastAPI()
app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
PAGE = """<!doctype html><button id="save">Save</button> <span id="status"></span>
<div id="nb" style="height: 85vh"></div><script type="module">
import { embed } from "/static/nblaunch-embed.js";
const nb = embed(document.getElementById("nb"), OPTIONS);
nb.on("saved", ({ path, reason }) => reason === "user" && fetch("/saved", { method: "POST",
  body: JSON.stringify({ path }), headers: { "Content-Type": "application/json" } }));
// reason "user": this Save, Lab's menu or Ctrl+S; not "autorun" or "autosave" (nobody asked)
const status = (text) => (document.getElementById("status").textContent = text);
document.getElementById("save").onclick = () =>
  nb.save().then(() => status("Saved"), (err) => status("Not saved: " + err.message));
</script>"""


def current_user() -> str:
    return "alice"  # replace with your application's login


def launch(user: str, item_id: int) -> str:
    # A template of the Hub's catalog and its parameters, typed (see client.templates()).
    return client.launch_url(user, "stats", {"n": item_id})


@app.get("/items/{item_id}", response_class=HTMLResponse)
def item(item_id: int, user: str = Depends(current_user)) -> str:
    fallback = f"/items/{item_id}/new-tab"  # a ticket works once: the fallback mints a new one
    options = {"src": launch(user, item_id), "origin": client.hub_origin, "fallbackHref": fallback}
    return PAGE.replace("OPTIONS", json.dumps(options).replace("</", "<\\/"))


@app.get("/items/{item_id}/new-tab")
def new_tab(item_id: int, user: str = Depends(current_user)) -> RedirectResponse:
    return RedirectResponse(launch(user, item_id))


@app.post("/saved")
def saved(path: str = Body(embed=True), user: str = Depends(current_user)) -> dict[str, bool]:
    try:
        found = client.fetch(user, path)  # trusted flags removed, with a content hash
    except NBLaunchClientError as err:  # e.g. the server was culled: keep the last version
        raise HTTPException(409, err.message) from err
    mine = versions.setdefault(user, [])
    if changed := not mine or mine[-1].hash != found.hash:
        mine.append(found)
    return {"stored": changed}
