"""The demo catalog: real images and tables made at first run from data that ships with packages.

Nothing is downloaded: images come from scikit-image's bundled samples, two tables from matplotlib's
sample data (real stock prices), and one table is drawn by numpy from a fixed seed. The same
installation always yields the same bytes, so item ids and notebook results are reproducible.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Item

KINDS = ("image", "table")
MEDIA_TYPES = {"image": "image/png", "table": "text/csv"}
SEED = 20240611


@dataclass(frozen=True)
class Source:
    """How to make one catalog item: title, kind, file name and a function making the bytes."""

    title: str
    kind: str
    filename: str
    make: Callable[[], tuple[bytes, dict[str, Any]]]
    meta: dict[str, Any] = field(default_factory=dict)


def _skimage_png(name: str) -> Callable[[], tuple[bytes, dict[str, Any]]]:
    def make() -> tuple[bytes, dict[str, Any]]:
        import skimage.data
        from PIL import Image

        array = getattr(skimage.data, name)()
        buffer = io.BytesIO()
        Image.fromarray(array).save(buffer, format="PNG")
        info = {"width": array.shape[1], "height": array.shape[0], "dtype": str(array.dtype)}
        info["channels"] = 1 if array.ndim == 2 else array.shape[2]
        return buffer.getvalue(), info

    return make


def _matplotlib_csv(name: str) -> Callable[[], tuple[bytes, dict[str, Any]]]:
    def make() -> tuple[bytes, dict[str, Any]]:
        import matplotlib.cbook
        import pandas as pd

        # Stocks.csv starts with a '# Data source' line and has rows with no prices at all.
        frame = pd.read_csv(matplotlib.cbook.get_sample_data(name, asfileobj=False), comment="#")
        frame = frame.dropna(how="all", subset=list(frame.columns[1:]))
        return frame.to_csv(index=False).encode(), _table_info(frame)

    return make


def _weather_csv() -> tuple[bytes, dict[str, Any]]:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(SEED)
    days = pd.date_range("2023-01-01", periods=365, freq="D")
    season = np.cos(2 * np.pi * (np.arange(365) - 200) / 365)
    frame = pd.DataFrame(
        {
            "date": days.strftime("%Y-%m-%d"),
            "temperature_c": np.round(11 + 9 * season + rng.normal(0, 2.5, 365), 1),
            "rain_mm": np.round(rng.gamma(0.6, 4.0, 365) * (rng.random(365) < 0.45), 1),
            "wind_ms": np.round(rng.weibull(2.0, 365) * 5, 1),
        }
    )
    return frame.to_csv(index=False).encode(), _table_info(frame)


def _table_info(frame: Any) -> dict[str, Any]:
    return {"rows": len(frame), "columns": [str(c) for c in frame.columns]}


SOURCES = (
    Source("Cameraman", "image", "camera.png", _skimage_png("camera"),
           {"description": "The classic grayscale test photograph.", "source": "scikit-image"}),
    Source("Greek coins", "image", "coins.png", _skimage_png("coins"),
           {"description": "Greek coins from Pompeii, grayscale.", "source": "scikit-image"}),
    Source("Astronaut", "image", "astronaut.png", _skimage_png("astronaut"),
           {"description": "Astronaut Eileen Collins, colour (NASA).", "source": "scikit-image"}),
    Source("Moon surface", "image", "moon.png", _skimage_png("moon"),
           {"description": "Low-contrast image of the lunar surface.", "source": "scikit-image"}),
    Source("Chelsea the cat", "image", "chelsea.png", _skimage_png("chelsea"),
           {"description": "A colour photograph of a cat.", "source": "scikit-image"}),
    Source("Stock prices 1990-2022", "table", "stocks.csv", _matplotlib_csv("Stocks.csv"),
           {"description": "Monthly closing prices of ten tickers and two indices.",
            "source": "matplotlib sample data (Yahoo Finance)"}),
    Source("MSFT daily, 2003", "table", "msft.csv", _matplotlib_csv("msft.csv"),
           {"description": "Microsoft daily open, high, low, close and volume.",
            "source": "matplotlib sample data"}),
    Source("Weather station 2023 (synthetic)", "table", "weather.csv", _weather_csv,
           {"description": f"Daily readings drawn by numpy from seed {SEED}.", "source": "numpy"}),
)  # fmt: skip


def ensure_catalog(db: Session, data_dir: Path) -> int:
    """Create the catalog on first run and any data file that has gone missing; return item count.

    >>> ensure_catalog(db, Path(".demo/webapp"))  # doctest: +SKIP
    8
    """
    folder = items_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    empty = not db.scalar(select(func.count()).select_from(Item))
    for source in SOURCES:
        target = folder / source.filename
        if target.exists() and not empty:
            continue
        content, info = source.make()
        target.write_bytes(content)
        if empty:
            db.add(
                Item(
                    kind=source.kind,
                    title=source.title,
                    meta={**source.meta, **info},
                    data_file=source.filename,
                    media_type=MEDIA_TYPES[source.kind],
                )
            )
    db.commit()
    return int(db.scalar(select(func.count()).select_from(Item)) or 0)


def items_dir(data_dir: Path) -> Path:
    """The folder holding item data files: ``items_dir(Path("d")) == Path("d/items")``."""
    return data_dir / "items"
