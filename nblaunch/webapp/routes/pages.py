"""Login, logout, the catalog and the item page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import recommend
from ..auth import authenticate
from ..catalog import KINDS
from ..deps import RowId, check_csrf, current_user, get_db, get_settings
from ..jupyter import EMBED_SCRIPT_URL, plain_link
from ..models import Item, NotebookVersion, User
from ..settings import Settings
from . import render

router = APIRouter()


def _safe_next(target: str | None) -> str:
    # Only paths on this application: "//evil.example" and "https://..." would leave it.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/items"


@router.get("/")
def home() -> Response:
    """The start page is the catalog."""
    return RedirectResponse("/items", status_code=303)


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    """The login form."""
    return render(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login", dependencies=[Depends(check_csrf)])
def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    db: Annotated[Session, Depends(get_db)],
    next: Annotated[str, Form()] = "/items",
) -> Response:
    """Check the password, start a session, go where the user was heading."""
    user = authenticate(db, username.strip(), password)
    if user is None:
        error = "Unknown user name or wrong password."
        return render(request, "login.html", status=401, next=_safe_next(next), error=error)
    request.session.clear()  # A new session id for a new login: no session fixation.
    request.session["user_id"] = user.id
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout(request: Request) -> Response:
    """End the session."""
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/items")
def catalog(
    request: Request,
    user: Annotated[User, Depends(current_user)],
    db: Annotated[Session, Depends(get_db)],
    kind: str | None = None,
) -> Response:
    """Every item, optionally only one kind."""
    query = select(Item).order_by(Item.id)
    if kind in KINDS:
        query = query.where(Item.kind == kind)
    items = list(db.scalars(query))
    return render(request, "catalog.html", user=user, items=items, kinds=KINDS, kind=kind)


@router.get("/items/{item_id}")
def item_page(
    request: Request,
    item_id: RowId,
    user: Annotated[User, Depends(current_user)],
    db: Annotated[Session, Depends(get_db)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> Response:
    """An item's metadata, its recommended notebooks and the user's analyses of it."""
    item = db.get(Item, item_id)
    if item is None:
        raise HTTPException(404, f"There is no item {item_id}.")
    values = {"item_id": item.id, "api_url": settings.api_url}
    templates = [
        {"info": t, "plain_link": plain_link(settings, t.name, values)}
        for t in recommend.for_kind(item.kind, settings.templates_dir)
    ]
    saved = db.scalars(
        select(NotebookVersion.path)
        .where(NotebookVersion.user_id == user.id, NotebookVersion.item_id == item.id)
        .group_by(NotebookVersion.path)
    )
    return render(
        request,
        "item.html",
        user=user,
        item=item,
        templates=templates,
        saved_paths=list(saved),
        embed_js=EMBED_SCRIPT_URL,
        hub_origin=settings.hub_origin,
        hub_ready=request.app.state.client is not None,
    )
