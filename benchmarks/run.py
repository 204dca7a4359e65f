"""``make bench``: issue 12's table, every figure a ratio measured side by side in one run.

Runs, in order: the CLI's start-up (P4c), injection (P4), then on two real JupyterHubs started
here (nblaunch's configuration, and the same with JupyterHub's stock spawner) warm (P1s), cold
(P2), in Chromium (P1, P7, P6: ``browser.py``; with the reference web app as the host, the
embedded Save P5 and prestart P2p: ``hosted.py``) and crowded (P3: 10, 20, 30, 50 users)
launches. Prints the table, and writes ``results.json``, ``table.md`` and ``bench.png`` into
``.cache/bench/<UTC time>/`` (printed at the end). Everything listens on 127.0.0.1, every
loop is bounded, the Hubs are stopped at the end. A script, never a test.

Run: ``make bench`` or
``.venv/bin/python benchmarks/run.py [--quick] [--only P5,P2p] [--crowds 50]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

import local
from harness import ROOT, Hub, free_port, start_hub
from rows import Row

CROWDS = (10, 20, 30, 50)
ROWS = ("P4c", "P4", "P1s", "P2", "P1", "P7", "P6", "P5", "P2p", "P3")  # in running order


def machine() -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                      if line.startswith("model name")), "")  # fmt: skip
    import jupyterhub

    return {
        "cores": os.cpu_count(), "cpu": model, "memory_gb": psutil.virtual_memory().total / 1e9,
        "python": platform.python_version(), "jupyterhub": jupyterhub.__version__,
        "load_average": os.getloadavg(), "system": platform.platform(),
    }  # fmt: skip


def hub_rows(folder: Path, quick: bool, only: set[str], crowds: tuple[int, ...]) -> list[Row]:
    import launches

    rows: list[Row] = []
    host_port = free_port()  # the P7 host page's: the Hub lets exactly this origin frame it
    hub = start_hub(folder / "hub", embed_origins=[f"http://127.0.0.1:{host_port}"])
    stock = start_hub(folder / "stock", stock=True) if "P2" in only else None
    try:
        if "P1s" in only:
            rows += launches.warm(hub, 5 if quick else 15)
        if stock is not None:
            rows += launches.cold(hub, stock, 2 if quick else 7)
            stock.stop()  # an idle Hub less on the machine from now on
        rows += browser_rows(folder, hub, host_port, quick, only)
        if "P3" in only:
            for size in crowds:
                rows += launches.crowd(hub, size)
    finally:
        hub.stop()
        if stock is not None:
            stock.stop()
    return rows


def browser_rows(folder: Path, hub: Hub, host_port: int, quick: bool, only: set[str]) -> list[Row]:
    """The rows measured in Chromium: on the bench Hub (P1, P7, P6), then with the reference
    web app as the host, on a Hub of its own (P5, P2p; ``hosted.py``)."""
    if not only & {"P1", "P6", "P7", "P5", "P2p"}:
        return []
    import browser

    rows: list[Row] = []
    with browser.chromium() as chromium:
        if "P1" in only:
            rows += browser.warm(chromium, hub, 5 if quick else 15)
        if "P7" in only:
            rows += browser.embedded(chromium, hub, host_port, 5 if quick else 15)
        if "P6" in only:
            rows += browser.autorun(chromium, hub, 3 if quick else 7)
        if only & {"P5", "P2p"}:
            import hosted

            rows += hosted.rows(chromium, folder / "hosted", only, quick)
    return rows


def table(rows: list[Row]) -> str:
    cells = [("id", "measure", "value", "goal", "met?"), *(row.cells() for row in rows)]
    widths = [max(len(c[i]) for c in cells) for i in range(5)]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)) + " |"
             for cell in cells]  # fmt: skip
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def plot(rows: list[Row], path: Path, when: str, about: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [row for row in rows if row.budget is not None]
    fig, ax = plt.subplots(figsize=(9, 0.42 * len(shown) + 1.4), dpi=90)
    labels = [f"{row.id}: {row.short}" for row in shown]
    budgets = [row.budget or 0.0 for row in shown]
    colours = ["#2e7d32" if row.met else "#c62828" for row in shown]
    ax.barh(range(len(shown)), budgets, color=colours)
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_yticks(range(len(shown)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, max(1.3, min(4.0, max(budgets) * 1.15)))
    ax.set_xlabel("share of the goal used (measured ÷ goal; for 'at least' goals, goal ÷ measured)")
    ax.set_title(f"nblaunch benchmarks, {when}, {about['cores']} cores, "
                 f"load {about['load_average'][0]:.1f}", fontsize=10)  # fmt: skip
    for i, row in enumerate(shown):
        ax.text(min(budgets[i], ax.get_xlim()[1] * 0.9), i, f" {row.cells()[2]}", va="center",
                fontsize=8)  # fmt: skip
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def arguments() -> tuple[argparse.Namespace, set[str], tuple[int, ...]]:
    """The options, the row ids asked for (a typo is an error, not a row silently skipped)
    and the crowd sizes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few rounds, a crowd of 3")
    parser.add_argument("--only", default=",".join(ROWS), help="comma-separated row ids")
    sizes = ",".join(map(str, CROWDS))
    parser.add_argument("--crowds", help=f"P3's crowd sizes, comma-separated (default {sizes})")
    args = parser.parse_args()
    only = set(args.only.split(","))
    if only - set(ROWS):
        parser.error(f"unknown row ids {sorted(only - set(ROWS))}; known: {','.join(ROWS)}")
    crowds = (3,) if args.quick else CROWDS
    if args.crowds:
        crowds = tuple(int(size) for size in args.crowds.split(","))
    return args, only, crowds


def main() -> int:
    args, only, crowds = arguments()
    when = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H%MZ")
    out = ROOT / ".cache" / "bench" / when
    out.mkdir(parents=True, exist_ok=True)
    about = machine()
    started = time.perf_counter()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="nblaunch-bench-") as scratch:
        folder = Path(scratch)
        if "P4c" in only:
            rows += local.startup(10 if args.quick else 20)
        if "P4" in only:
            rows += local.injection(folder, 3 if args.quick else 7)
        if only & set(ROWS[2:]):
            rows += hub_rows(folder, args.quick, only, crowds)
    about["load_average_end"] = os.getloadavg()
    about["seconds"] = time.perf_counter() - started
    text = table(rows)
    print(text)
    for row in rows:
        if row.note:
            print(f"{row.id}: {row.note}")
    body = {"when": when, "machine": about, "rows": [row.to_json() for row in rows]}
    (out / "results.json").write_text(json.dumps(body, indent=1))
    (out / "table.md").write_text(text + "\n")
    plot(rows, out / "bench.png", when, about)
    print(f"\n{about['cores']} cores, {about['memory_gb']:.0f} GB, load average "
          f"{about['load_average'][0]:.1f} at the start, {about['load_average_end'][0]:.1f} "
          f"at the end; {about['seconds']:.0f} s in all")  # fmt: skip
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
