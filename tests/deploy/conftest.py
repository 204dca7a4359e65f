"""Fixtures for the Zero to JupyterHub deployment (deploy/): no cluster, no Docker.

- ``hub_report``: what the chart's own ``jupyterhub_config.py`` configured from
  ``deploy/z2jh/values.yaml`` in a stand-in hub pod (``chart.load_hub``), loaded once.
- ``nblaunch_service``: that configuration's ``nblaunch`` service entry.
- ``user_container``: the notebook container of the pod KubeSpawner builds for a user.
"""

from __future__ import annotations

from typing import Any

import pytest

from . import chart


@pytest.fixture(scope="session")
def hub_report() -> dict[str, Any]:
    return chart.load_hub()


@pytest.fixture
def nblaunch_service(hub_report: dict[str, Any]) -> dict[str, Any]:
    (service,) = [s for s in hub_report["services"] if s["name"] == "nblaunch"]
    return service


@pytest.fixture
def user_container(hub_report: dict[str, Any]) -> dict[str, Any]:
    (container,) = [c for c in hub_report["pod"]["spec"]["containers"] if c["name"] == "notebook"]
    return container
