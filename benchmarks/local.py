"""The rows that need no Hub: injection (P4) and the CLI's start-up (P4c).

- P4: ``inject`` in-process on an already-read notebook of 1 MB and 20 MB (what each launch
  does), and ``nblaunch inject`` against ``papermill --prepare-only``, each as a process, on the
  same files with the same values, taking turns.
- P4c: ``nblaunch link ...`` and ``nblaunch --help`` against ``python -c pass``, all with the
  venv's interpreter, taking turns.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from inject import VALUES, make_notebook
from rows import Row, median, process, side_by_side

from nblaunch.core import inject

BIN = Path(sys.executable).parent
RAW = ["-p", "image_id", "2959331", "-p", "mode", "fast"]
LINK = ["link", "https://hub.example.org", "stats", "-p", "n", "5", "--autorun"]


def injection(folder: Path, runs: int) -> list[Row]:
    rows = []
    for megabytes, goal in ((1, 50.0), (20, None)):
        path = folder / f"nb-{megabytes}mb.ipynb"
        size = make_notebook(path, megabytes)
        nb = nbformat.read(path, as_version=4)
        times = side_by_side({"inject": lambda nb=nb: inject(nb, VALUES)}, runs * 3)["inject"]
        rows.append(Row(
            "P4", f"inject in-process, {size / 1e6:.0f} MB notebook (median)",
            median(times) * 1000, "ms", goal, samples={"inject_s": times},
            label=f"inject in-process, {megabytes} MB",
        ))  # fmt: skip
        out_ours, out_theirs = folder / "ours.ipynb", folder / "theirs.ipynb"
        processes = {
            "nblaunch": process([str(BIN / "nblaunch"), "inject", str(path), *RAW,
                                 "-o", str(out_ours)]),
            "papermill": process([str(BIN / "papermill"), str(path), str(out_theirs), *RAW,
                                  "--prepare-only"]),
        }  # fmt: skip
        turns = side_by_side(processes, runs if megabytes == 1 else max(3, runs // 2))
        ours, theirs = median(turns["nblaunch"]), median(turns["papermill"])
        rows.append(Row(
            "P4", f"papermill --prepare-only ÷ nblaunch inject, processes, {size / 1e6:.0f} MB "
            f"({theirs:.2f} s ÷ {ours:.2f} s)",
            theirs / ours, "x", 5.0, ">=", samples=turns,
            label=f"nblaunch inject vs papermill, {megabytes} MB",
        ))  # fmt: skip
    return rows


def startup(runs: int) -> list[Row]:
    python = str(BIN / "python")
    nblaunch = str(BIN / "nblaunch")
    turns = side_by_side(
        {
            "python -c pass": process([python, "-c", "pass"]),
            "nblaunch link": process([nblaunch, *LINK]),
            "nblaunch --help": process([nblaunch, "--help"]),
        },
        runs,
        warmup=2,
    )
    floor = median(turns["python -c pass"])
    rows = []
    for name in ("nblaunch link", "nblaunch --help"):
        took = median(turns[name])
        measure = (
            f"{name} ÷ python -c pass, wall time ({took * 1000:.0f} ms ÷ {floor * 1000:.0f} ms)"
        )
        rows.append(Row("P4c", measure, took / floor, "x", 6.0, samples=turns, label=name))
    return rows
