"""Faults during a launch, with real processes, in Chromium (issue 11): the page says what
happened and carries on by itself; nothing is duplicated.

- The nblaunch service is killed (SIGKILL) while a spawn is in progress: the Hub restarts its
  managed service (it polls it), and the progress page, which lost its stream, waits for the
  service to answer again and lands in the notebook without a click.
"""

from __future__ import annotations

import os
import re
import signal
from typing import Any

import pytest

from .conftest import Hub

pytestmark = [pytest.mark.integration, pytest.mark.browser]


@pytest.fixture(scope="module")
def fast_poll_hub(make_hub: Any) -> Hub:
    """A Hub that notices a dead service within a second (JupyterHub polls every 30 s)."""
    return make_hub(extra_config="c.Spawner.poll_interval = 1\n")


def test_the_service_killed_during_a_spawn_and_the_page_carries_on(
    fast_poll_hub: Hub, context: Any
) -> None:
    hub = fast_poll_hub
    page = context.new_page()
    page.set_default_timeout(120_000)
    link = hub.service + "open/stats?n=8&label=fault"
    page.goto(hub.login_url(hub.ticket("slow-fay"), link))  # her server starts 9 s late
    page.locator("#nblaunch-progress").wait_for()
    # Killed while her spawn is asked for or under way (it takes at least 9 s).
    killed = hub.child("nblaunch.hub.service")
    os.kill(killed, signal.SIGKILL)
    page.locator("#nblaunch-lost").wait_for(state="visible")
    assert "carries on" in page.inner_text("#nblaunch-status")
    page.wait_for_url(re.compile(r".*/user/slow-fay/lab/tree/nblaunch/stats-label-fault-n-8-.*"))
    assert hub.child("nblaunch.hub.service") != killed  # the Hub restarted its service
    # One server, one copy: nothing started or written twice.
    assert list(hub.servers("slow-fay")) == [""]
    assert len(list(hub.home("slow-fay").glob("nblaunch/stats-label-fault-n-8-*.ipynb"))) == 1
