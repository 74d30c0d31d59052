"""A tiny local HTTP receiver that records what the Twilio stand-in calls (webhooks, callbacks)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Received:
    """One recorded request."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: str

    def form(self) -> list[tuple[str, str]]:
        """Return the form-encoded body as pairs."""
        return parse_qsl(self.body, keep_blank_values=True)

    def params(self) -> dict[str, str]:
        """Return the form body, or the query for GET requests, as a dict."""
        return dict(
            parse_qsl(self.query, keep_blank_values=True) if self.method == "GET" else self.form()
        )


@dataclass
class Answer:
    """What the receiver answers: status, content type and body."""

    status: int = 200
    content_type: str = "text/xml"
    body: str = "<Response/>"


@dataclass
class WebhookReceiver:
    """Records every request; `answer` decides the response."""

    answer: Answer = field(default_factory=Answer)
    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Return the receiver's base URL."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> WebhookReceiver:
        """Serve in a background thread on a free port."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                with receiver._lock:
                    receiver.received.append(
                        Received(
                            self.command,
                            parts.path,
                            parts.query,
                            dict(self.headers.items()),
                            self.rfile.read(length).decode() if length else "",
                        )
                    )
                    answer = receiver.answer
                payload = answer.body.encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _record

            def log_message(self, *_: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and join the thread."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def requests_to(self, path: str) -> list[Received]:
        """Return the requests received on `path`, in arrival order."""
        with self._lock:
            return [r for r in self.received if r.path == path]

    def wait_for(self, path: str, count: int, timeout: float = 5.0) -> list[Received]:
        """Wait until `count` requests arrived on `path`; return them (fewer on timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.requests_to(path)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        return self.requests_to(path)
