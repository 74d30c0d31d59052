"""Browser fixtures: Debian's Chromium driven by Playwright against the real local stack.

    def test_something(chart: ChartSession) -> None:      # Maria's chart, fresh context
        chart.app.get_by_test_id("tab-send").click()      # FrameLocator on the app iframe
        chart.assert_clean()                              # no dialog, no console error, no XSS

    def test_other(open_chart: OpenChart) -> None:
        john = open_chart(demo_data.JOHN.key)             # any patient, another fresh context

Nothing is injected into the pages (no init scripts, no routes, no dialog suppression beyond
dismissing and recording): whatever a hostile value could do, it can still do and we see it.
Screenshots land in `docs/screenshots/` only when a test calls `ChartSession.screenshot`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from devtools import demo_data
from devtools.stack import LocalStack

if TYPE_CHECKING:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        ConsoleMessage,
        Dialog,
        Frame,
        FrameLocator,
        Locator,
        Page,
        Playwright,
        ViewportSize,
    )

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = PROJECT_ROOT / "docs" / "screenshots"
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT: ViewportSize = {"width": 1200, "height": 900}
APP_FRAME = "#app-frame"
DEFAULT_TIMEOUT_MS = 10_000


@dataclass
class DialogRecord:
    """A JS dialog (alert/confirm/prompt/beforeunload) some frame opened."""

    type: str
    message: str
    frame_url: str


@dataclass
class ChartSession:
    """One patient's chart page in its own browser context, plus what it reported."""

    stack: LocalStack
    context: BrowserContext
    page: Page
    patient_key: str
    dialogs: list[DialogRecord] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    http_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    @property
    def app(self) -> FrameLocator:
        """The app iframe, for locators (`chart.app.get_by_test_id(...)`)."""
        return self.page.frame_locator(APP_FRAME)

    def app_frame(self) -> Frame:
        """The app iframe as a Frame (for `evaluate`)."""
        handle = self.page.locator(APP_FRAME).element_handle()
        frame = handle.content_frame() if handle is not None else None
        if frame is None:
            raise AssertionError("the chart pane has no app iframe")
        return frame

    def tid(self, test_id: str) -> Locator:
        """Shorthand for `self.app.get_by_test_id(test_id)`."""
        return self.app.get_by_test_id(test_id)

    def tab(self, name: str) -> None:
        """Switch the app to a tab ("log", "send", "phones") and wait until its panel shows."""
        self.tid(f"tab-{name}").click()
        self.tid(f"panel-{name}").wait_for(state="visible")

    def reload(self) -> None:
        """Reload the chart page (the app reopens through the runner)."""
        self.page.reload()
        self.wait_ready()

    def wait_ready(self) -> None:
        """Wait until the app iframe has rendered its tabs."""
        self.tid("tab-log").wait_for(state="visible")

    def xss_markers(self) -> dict[str, str]:
        """`typeof window.__xss` in the chart page and in the app frame."""
        script = "() => typeof window.__xss"
        return {"page": self.page.evaluate(script), "app": self.app_frame().evaluate(script)}

    def assert_no_xss(self) -> None:
        """`window.__xss` is undefined in the app frame and the chart page."""
        markers = self.xss_markers()
        assert markers == {"page": "undefined", "app": "undefined"}, markers

    def assert_clean(self, *, http_errors: int = 0) -> None:
        """No XSS marker, no JS dialog, no page error, no console error so far.

        Chromium logs every 4xx/5xx answer as a console error ("Failed to load resource"); those
        are kept apart in `http_errors`, and a test that provokes some says how many.
        """
        self.assert_no_xss()
        assert self.dialogs == [], self.dialogs
        assert self.page_errors == [], self.page_errors
        assert self.console_errors == [], self.console_errors
        assert len(self.http_errors) == http_errors, self.http_errors

    def screenshot(
        self, name: str, target: Locator | None = None, directory: Path = SCREENSHOT_DIR
    ) -> Path:
        """Save a PNG under docs/screenshots/ (or `directory`): whole viewport, or one element."""
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / name
        if target is None:
            self.page.screenshot(path=str(path))
        else:
            target.screenshot(path=str(path))
        return path


OpenChart = Callable[..., ChartSession]


def _launch_failure(reason: str) -> str:
    return (
        f"Chromium for the browser tests is not usable ({reason}). "
        "Install Debian's chromium with `make browser-deps` (or set CHROMIUM_PATH); "
        "never run `playwright install`."
    )


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    """The Playwright driver for the session.

    The sync API keeps an asyncio loop running on the main thread; pytest-canvas opens the test
    database around every test, which Django refuses inside a running loop. Nothing in this
    process is the code under test (the plugin runs in `canvas run-plugin`), so the check is
    lifted while the driver lives.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - depends on the venv
        pytest.fail(f"the python `playwright` package is missing: {exc}", pytrace=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as driver:
            yield driver


@pytest.fixture(scope="session")
def chromium(playwright_driver: Playwright) -> Iterator[Browser]:
    """Headless Debian Chromium (never Playwright's downloaded browsers)."""
    if not CHROMIUM.exists():
        pytest.fail(_launch_failure(f"{CHROMIUM} does not exist"), pytrace=False)
    try:
        browser = playwright_driver.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
    except Exception as exc:  # any launch failure gets the same advice
        pytest.fail(_launch_failure(str(exc).splitlines()[0]), pytrace=False)
    yield browser
    browser.close()


@pytest.fixture
def open_chart(local_stack: LocalStack, chromium: Browser) -> Iterator[OpenChart]:
    """Factory: open a patient's chart in a fresh context; every context is closed afterwards."""
    contexts: list[BrowserContext] = []

    def _open(
        patient_key: str = demo_data.MARIA.key, *, viewport: ViewportSize | None = None
    ) -> ChartSession:
        context = chromium.new_context(viewport=viewport or VIEWPORT)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        session = ChartSession(
            stack=local_stack, context=context, page=page, patient_key=patient_key
        )
        _record(session)
        page.goto(local_stack.patient_url(patient_key))
        session.wait_ready()
        return session

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def chart(open_chart: OpenChart) -> ChartSession:
    """Maria Lopez's chart with the app loaded in the right pane."""
    return open_chart(demo_data.MARIA.key)


def _record(session: ChartSession) -> None:
    """Record dialogs (then dismiss them so the page goes on), console errors and page errors."""

    def on_dialog(dialog: Dialog) -> None:
        frame = getattr(dialog, "page", None)
        url = frame.url if frame is not None else ""
        session.dialogs.append(DialogRecord(dialog.type, dialog.message, url))
        dialog.dismiss()

    def on_console(message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        text = f"{message.text} @ {_location(message.location)}"
        if message.text.startswith("Failed to load resource: the server responded"):
            session.http_errors.append(text)
        else:
            session.console_errors.append(text)

    def on_page_error(error: Any) -> None:
        session.page_errors.append(str(error))

    session.page.on("dialog", on_dialog)
    session.page.on("console", on_console)
    session.page.on("pageerror", on_page_error)


def _location(location: Any) -> str:
    if isinstance(location, dict):
        return f"{location.get('url', '')}:{location.get('lineNumber', '')}"
    return str(location)
