"""The three tabs in a chart's pane, pictured (`UPDATE_SCREENSHOTS=1` writes docs/screenshots/)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import ViewportSize, expect

from devtools import demo_data
from tests.browser.app_steps import show_log
from tests.browser.conftest import SCREENSHOT_DIR, OpenChart
from tests.browser.stand_in import MAIN

pytestmark = pytest.mark.browser

# Sizes the chart so the app's pane is about 450 x 800, as in Canvas's right pane.
PANE_VIEWPORT: ViewportSize = {"width": 731, "height": 933}
SCREENSHOT_LIMIT = 300 * 1024


def test_tab_screenshots(open_chart: OpenChart, tmp_path: Path) -> None:
    """tab-log.png, tab-send.png, tab-phones.png: each tab as a clinician first sees it."""
    directory = SCREENSHOT_DIR if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    chart = open_chart(demo_data.MARIA.key, viewport=PANE_VIEWPORT)
    pane = chart.page.locator("#app-frame")

    chart.tab("send")
    expect(chart.tid("live-state")).to_have_attribute("data-state", "live")
    expect(chart.tid("send-from").locator("option")).not_to_have_count(0)
    chart.tid("send-text").fill("Hi Maria, your lab results are in. Please call us to review them.")
    shots = [chart.screenshot("tab-send.png", pane, directory)]

    show_log(chart, MAIN, "from")
    shots.append(chart.screenshot("tab-log.png", pane, directory))

    chart.tab("phones")
    expect(chart.tid("phone-card")).not_to_have_count(0)
    shots.append(chart.screenshot("tab-phones.png", pane, directory))

    for shot in shots:
        assert 0 < shot.stat().st_size < SCREENSHOT_LIMIT, (shot, shot.stat().st_size)
    chart.assert_clean()
