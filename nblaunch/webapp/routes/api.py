"""The JSON API that notebooks read: the catalog, one item, its data file.

It needs no login: a kernel in a user's server has no session cookie, and the demo catalog is
public sample data. A deployment with private data would give notebooks a token here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..catalog import KINDS, items_dir
from ..deps import RowId, get_db, get_settings
from ..models import Item
from ..settings import Settings

router = APIRouter(prefix="/api")


@router.get("/items")
def list_items(
    db: Annotated[Session, Depends(get_db)],
    settings: Annotated[Settings, Depends(get_settings)],
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """Every item (``?kind=image`` or ``table`` for one kind)."""
    if kind is not None and kind not in KINDS:
        raise HTTPException(400, f"kind must be one of {', '.join(KINDS)}.")
    query = select(Item).order_by(Item.id)
    if kind:
        query = query.where(Item.kind == kind)
    return [item.to_json(settings.api_url) for item in db.scalars(query)]


def _item(db: Session, item_id: int) -> Item:
    item = db.get(Item, item_id)
    if item is None:
        raise HTTPException(404, f"There is no item {item_id}.")
    return item


@router.get("/items/{item_id}")
def get_item(
    item_id: RowId,
    db: Annotated[Session, Depends(get_db)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> dict[str, Any]:
    """One item's metadata and the URL of its data."""
    return _item(db, item_id).to_json(settings.api_url)


@router.get("/items/{item_id}/data")
def get_item_data(
    item_id: RowId,
    db: Annotated[Session, Depends(get_db)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> Response:
    """The item's data file (PNG or CSV)."""
    item = _item(db, item_id)
    # data_file comes from our own catalog, never from a request; still, stay inside the folder.
    folder = items_dir(settings.data_dir).resolve()
    path = (folder / item.data_file).resolve()
    if folder not in path.parents or not path.is_file():
        raise HTTPException(404, f"The data of item {item_id} is missing.")
    extension = path.suffix
    return FileResponse(path, media_type=item.media_type, filename=f"item-{item.id}{extension}")


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness for the demo's start-up progress."""
    return {"status": "ok"}
