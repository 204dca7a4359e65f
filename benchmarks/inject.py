"""Injection speed, measured side by side in one run (a script, not a test).

Makes a notebook of about 1 MB and one of about 20 MB (code cells with image and text outputs)
in a temporary folder, then times, on the same files:

- ``inject`` in-process on an already-loaded notebook (what the server extension and the hub
  service do per launch), and read + inject + write in-process;
- ``nblaunch inject`` and ``papermill --prepare-only`` each run as a process (interpreter start,
  imports, read, inject, write).

Run: ``.venv/bin/python benchmarks/inject.py [--runs 9]``. Prints medians and the ratios.
Target: the 1 MB notebook injected in under 50 ms in-process.
"""

from __future__ import annotations

import argparse
import base64
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import nbformat

from nblaunch.core import inject, load_notebook

BIN = Path(sys.executable).parent
PARAMETERS = 'image_id = 1  # which image\nmode = "fast"\nthreshold = 0.5\nchannels = ["r", "g"]'
VALUES: dict[str, object] = {"image_id": 2959331, "mode": "a 'quoted' $x", "threshold": 0.25,
                             "channels": ["r", "g", "b"]}  # fmt: skip
TARGET_MS = 50.0


def make_notebook(path: Path, megabytes: float, seed: int = 0) -> int:
    """Write a notebook of about ``megabytes`` MB: a parameters cell, then cells with outputs."""
    rng = random.Random(seed)
    spec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": spec})
    nb.cells.append(nbformat.v4.new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}))
    size, n = 0, 0
    while size < megabytes * 1_000_000:
        png = base64.b64encode(rng.randbytes(60_000)).decode()
        text = "\n".join(f"row {i}: {rng.random():.6f}" for i in range(200))
        outputs = [
            nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Fig>"}),
            nbformat.v4.new_output("stream", text=text),
        ]
        nb.cells.append(nbformat.v4.new_markdown_cell(f"## Step {n}\nSome prose about step {n}."))
        nb.cells.append(nbformat.v4.new_code_cell(f"plot(step={n})\nprint(table)", outputs=outputs))
        size += len(png) + len(text) + 100
        n += 1
    nbformat.write(nb, path)
    return path.stat().st_size


def median_ms(action: Callable[[], object], runs: int, warmup: int = 1) -> float:
    """The median wall time of ``action`` in milliseconds, after ``warmup`` untimed runs."""
    for _ in range(warmup):
        action()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def process(argv: list[str]) -> Callable[[], object]:
    def run() -> None:
        subprocess.run(argv, check=True, capture_output=True)

    return run


def measure(path: Path, out: Path, runs: int) -> dict[str, float]:
    nb = nbformat.read(path, as_version=4)
    raw = ["-p", "image_id", "2959331", "-p", "mode", "fast"]

    def read_inject_write() -> None:  # what `nblaunch inject` does once started
        out.write_text(nbformat.writes(inject(load_notebook(path.read_bytes()), VALUES)))

    return {
        "inject (in-process)": median_ms(lambda: inject(nb, VALUES), runs),
        "read + inject + write (in-process)": median_ms(read_inject_write, runs),
        "nblaunch inject (process)": median_ms(
            process([str(BIN / "nblaunch"), "inject", str(path), *raw, "-o", str(out)]),
            max(3, runs // 2),
        ),
        "papermill --prepare-only (process)": median_ms(
            process([str(BIN / "papermill"), str(path), str(out), *raw, "--prepare-only"]),
            max(3, runs // 2),
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="timed runs per measure (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nblaunch-bench-") as folder:
        for label, megabytes in (("1 MB", 1.0), ("20 MB", 20.0)):
            path = Path(folder) / f"nb-{label.replace(' ', '')}.ipynb"
            size = make_notebook(path, megabytes)
            results = measure(path, Path(folder) / "out.ipynb", args.runs)
            print(f"\n{label} notebook ({size / 1e6:.1f} MB on disk, medians of {args.runs} runs)")
            for name, ms in results.items():
                print(f"  {name:<38} {ms:9.1f} ms")
            papermill = results["papermill --prepare-only (process)"]
            ours = results["inject (in-process)"]
            print(f"  papermill process / inject in-process   {papermill / ours:9.0f}x")
            print(
                "  papermill process / nblaunch process    "
                f"{papermill / results['nblaunch inject (process)']:9.2f}x"
            )
            if label == "1 MB":
                verdict = "met" if ours < TARGET_MS else "MISSED"
                print(f"  target: 1 MB in-process under {TARGET_MS:.0f} ms: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
