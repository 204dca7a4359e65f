"""Launch overhead on real Hubs, side by side in one run (a script, not a test).

- warm (P1s): the user's server is running; a launch link (service → copy → 302 → the Lab page)
  against the Lab page alone and one Contents GET through the proxy.
- cold (P2): the server is stopped; a launch link (start, progress, copy, Lab page) against the
  raw Hub API (``POST /hub/api/users/<u>/server`` and its progress stream to ready), and against
  the same on a Hub with JupyterHub's stock ``SimpleLocalProcessSpawner``.

Run: ``.venv/bin/python benchmarks/launch.py [--rounds 5]``, or all rows with ``make bench``.
Needs the Node proxy (``make setup``). Starts its own Hubs (``harness.py``), imports no tests.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import launches
from harness import start_hub
from run import table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory(prefix="nblaunch-bench-") as scratch:
        hub = start_hub(Path(scratch) / "hub")
        stock = start_hub(Path(scratch) / "stock", stock=True)
        try:
            rows = launches.warm(hub, rounds * 3) + launches.cold(hub, stock, rounds)
        finally:
            hub.stop()
            stock.stop()
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
