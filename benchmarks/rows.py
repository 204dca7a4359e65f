"""What every benchmark returns: table rows, and the small statistics they are made of."""

from __future__ import annotations

import math
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Row:
    """One line of the table: ``value`` in ``unit`` against ``goal`` (``<=`` or ``>=``), or a
    figure reported without a goal (``goal`` None). ``samples`` keeps the raw timings."""

    id: str
    measure: str
    value: float
    unit: str  # "x" for a ratio, "ms", "s", "MB", "users"
    goal: float | None = None
    sense: str = "<="  # "<=": at most the goal; ">=": at least
    note: str = ""
    samples: dict[str, Any] = field(default_factory=dict)
    label: str = ""  # a short name for the plot (default: the measure up to its parentheses)

    @property
    def met(self) -> bool | None:
        if self.goal is None or math.isnan(self.value):
            return None
        return self.value <= self.goal if self.sense == "<=" else self.value >= self.goal

    @property
    def short(self) -> str:
        return self.label or self.measure.split(" (")[0]

    @property
    def budget(self) -> float | None:
        """The share of the goal used: at most 1 when the goal is met, whichever its sense."""
        if self.goal is None or math.isnan(self.value) or self.value == 0:
            return None
        return self.value / self.goal if self.sense == "<=" else self.goal / self.value

    def cells(self) -> tuple[str, str, str, str, str]:
        sign = "≤" if self.sense == "<=" else "≥"
        goal = "" if self.goal is None else f"{sign} {fmt(self.goal, self)}"
        met = {True: "yes", False: "NO", None: ""}[self.met]
        return self.id, self.measure, fmt(self.value, self), goal, met

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "measure": self.measure, "value": self.value, "unit": self.unit,
            "goal": self.goal, "sense": self.sense, "met": self.met, "note": self.note,
            "label": self.short, "samples": self.samples,
        }  # fmt: skip


def fmt(value: float, row: Row) -> str:
    if math.isnan(value):
        return "n/a"
    if row.unit == "x":
        return f"{value:.2f}x"
    if row.unit == "ms":
        return f"{value:.1f} ms"
    if row.unit == "s":
        return f"{value:.2f} s"
    if row.unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:g} {row.unit}"


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def p95(values: Sequence[float]) -> float:
    """The 95th percentile (nearest rank): of 20 values, the 19th smallest."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def timed(action: Callable[[], object]) -> float:
    """Seconds ``action`` took."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def process(argv: list[str]) -> Callable[[], object]:
    """An action that runs ``argv`` to completion (and fails loudly if it fails)."""

    def run() -> None:
        subprocess.run(argv, check=True, capture_output=True, timeout=300)

    return run


def side_by_side(
    actions: dict[str, Callable[[], object]], runs: int, warmup: int = 1
) -> dict[str, list[float]]:
    """Seconds per run of each action, the actions taking turns (A B C A B C ...) so that the
    machine's changing load falls on all of them alike."""
    for _ in range(warmup):
        for action in actions.values():
            action()
    samples: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(runs):
        for name, action in actions.items():
            samples[name].append(timed(action))
    return samples
