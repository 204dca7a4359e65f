"""Opening notebooks in Jupyter (new tab or embedded) and saving them back as versions."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from .. import recommend
from ..deps import RowId, check_csrf, current_user, get_client, get_db, get_settings
from ..jupyter import HubClient, plain_link
from ..models import Item, User
from ..settings import Settings
from ..versions import check_path, latest_version, record_save
from . import browser_url, call_hub

router = APIRouter()
# Login first, so that a logged-out user hears "log in" rather than "form expired".
_GUARDED = [Depends(current_user), Depends(check_csrf)]


def _item(db: Session, item_id: int) -> Item:
    item = db.get(Item, item_id)
    if item is None:
        raise HTTPException(404, f"There is no item {item_id}.")
    return item


def _template(settings: Settings, item: Item, name: str) -> recommend.TemplateInfo:
    # The name is a catalog key, never a path: unknown names are a 404, not a file lookup.
    info = recommend.find(name, settings.templates_dir)
    if info is None or item.kind not in info.kinds:
        raise HTTPException(404, f"No notebook {name!r} is offered for this item.")
    return info


def launch_values(settings: Settings, item: Item) -> dict[str, Any]:
    """The parameters every template receives: which item, and where the API is.

    >>> launch_values(Settings(public_url="http://app"), Item(id=3))
    {'item_id': 3, 'api_url': 'http://app/api'}
    """
    return {"item_id": item.id, "api_url": settings.api_url}


@router.get("/items/{item_id}/open/{template}")
def open_in_jupyter(
    request: Request,
    item_id: RowId,
    template: str,
    user: Annotated[User, Depends(current_user)],
    db: Annotated[Session, Depends(get_db)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> Response:
    """ "Open in Jupyter": a fresh ticket link, so the user never meets the Hub's login page.

    Without a Hub client the plain service link is used (the Hub then asks for a login).
    """
    item = _item(db, item_id)
    info = _template(settings, item, template)
    client: HubClient | None = request.app.state.client
    values = launch_values(settings, item)
    if client is None:
        return RedirectResponse(plain_link(settings, info.name, values), status_code=303)
    url = browser_url(
        client.launch_url, client, user.username, info.name, values, ui="lab",
        autorun=info.autorun,
    )  # fmt: skip
    return RedirectResponse(url, status_code=303)


class LaunchBody(BaseModel):
    """Either a template to start from, or the path of a notebook the user saved before."""

    template: str | None = Field(default=None, max_length=200)
    path: str | None = Field(default=None, max_length=1000)


@router.post("/items/{item_id}/launch", dependencies=_GUARDED)
def launch_embedded(
    item_id: RowId,
    body: LaunchBody,
    user: Annotated[User, Depends(current_user)],
    db: Annotated[Session, Depends(get_db)],
    settings: Annotated[Settings, Depends(get_settings)],
    client: Annotated[HubClient, Depends(get_client)],
) -> dict[str, Any]:
    """The iframe URL for "Analyze here", minted at click time (tickets live seconds)."""
    item = _item(db, item_id)
    if body.path:
        path = check_path(body.path)
        src = browser_url(client.open_url, client, user.username, path)
        latest = latest_version(db, user, path)
        template = latest.template if latest else body.template or ""
        fallback = f"/analyses/open?path={quote(path)}"
    elif body.template:
        info = _template(settings, item, body.template)
        values = launch_values(settings, item)
        src = browser_url(
            client.launch_url, client, user.username, info.name, values, ui="doc",
            autorun=info.autorun,
        )  # fmt: skip
        template, fallback = info.name, f"/items/{item.id}/open/{info.name}"
    else:
        raise HTTPException(400, "Give a template or a path.")
    # fallback: where "Open in a new tab" goes if the frame cannot show the notebook; it mints
    # a fresh ticket, since the one in src is single-use.
    return {"src": src, "origin": settings.hub_origin, "template": template, "fallback": fallback}


@router.post("/items/{item_id}/prestart", dependencies=_GUARDED)
def prestart(
    item_id: RowId,
    user: Annotated[User, Depends(current_user)],
    db: Annotated[Session, Depends(get_db)],
    client: Annotated[HubClient, Depends(get_client)],
) -> dict[str, str]:
    """Start the user's Jupyter server as the item page loads, so "Analyze here" finds it up.

    Writes nothing; a server started and not used is stopped by the Hub's idle culler.
    """
    _item(db, item_id)
    return {"status": call_hub(client.prestart, user.username)}


class SaveBody(BaseModel):
    """Which notebook was saved: its template and its path in the user's server."""

    template: str = Field(max_length=200)
    path: str = Field(max_length=1000)


@router.post("/items/{item_id}/save", dependencies=_GUARDED)
def save(
    item_id: RowId,
    body: SaveBody,
    user: Annotated[User, Depends(current_user)],
    db: Annotated[Session, Depends(get_db)],
    settings: Annotated[Settings, Depends(get_settings)],
    client: Annotated[HubClient, Depends(get_client)],
) -> dict[str, Any]:
    """Read the saved notebook back from the user's server; store it if it changed."""
    item = _item(db, item_id)
    path = check_path(body.path)
    # Shown on pages later: only a known template name, or none for a notebook of unknown origin.
    template = body.template if recommend.find(body.template, settings.templates_dir) else ""
    fetched = call_hub(client.fetch, user.username, path)
    return record_save(db, user, item, template, path, fetched).to_json()
