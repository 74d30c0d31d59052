"""Run the chart preview on its own event loop in a background thread."""

import asyncio
import logging
import threading

from aiohttp import web

from devtools.chart_preview.server import SESSION_TOKEN, build_app
from devtools.processes import StartStop
from devtools.runner_client import RunnerClient

log = logging.getLogger("devtools.chart_preview")


class PreviewServer(StartStop):
    """The preview's HTTP server, started and stopped from synchronous code.

    `port=0` picks a free port; `port` then holds the real one after `start()`.
    """

    def __init__(
        self,
        runner: RunnerClient,
        host: str = "127.0.0.1",
        port: int = 8000,
        session_token: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.app = build_app(runner, session_token)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:8000."""
        return f"http://{self.host}:{self.port}"

    @property
    def session_token(self) -> str:
        """The value of the session cookie the chart page sets."""
        return self.app[SESSION_TOKEN]

    def start(self, timeout: float = 10.0) -> None:
        """Start serving; raises the server's error (e.g. port in use) or TimeoutError."""
        self._thread = threading.Thread(target=self._run, name="chart-preview", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError("chart preview did not start")
        if self._error is not None:
            self._thread.join()
            raise self._error

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and wait for the thread to end."""
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        """Thread body: own loop, serve until stopped."""
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported to start() through _error
            self._error = exc
        finally:
            self._ready.set()
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()

    async def _serve(self) -> None:
        """Listen, signal readiness, wait for stop, clean up."""
        self._stop = asyncio.Event()
        runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
            self.port = self._bound_port(site)
            log.info("chart preview on %s", self.url)
            self._ready.set()
            await self._stop.wait()
        finally:
            await runner.cleanup()

    @staticmethod
    def _bound_port(site: web.TCPSite) -> int:
        """The port the site actually listens on."""
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        return int(sockets[0].getsockname()[1])
