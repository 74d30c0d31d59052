"""The stand-in fetches a plugin's public MediaUrls like Twilio and fails the message like it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from devtools.twilio_sandbox.media_fetch import MediaFailure, collect_media, is_plugin_media
from devtools.twilio_sandbox.records import NewMedia

PNG = b"\x89PNG\r\n\x1a\n" + b"p" * 100
FILES = {
    "/plugin-io/api/twilio_sms_mms/public_media/a/ok": ("image/png", PNG),
    "/plugin-io/api/twilio_sms_mms/public_media/a/html": ("text/html", b"<html></html>"),
    "/plugin-io/api/twilio_sms_mms/public_media/a/big": ("image/jpeg", b"j" * 3_000_000),
}


class Files(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str, str | None]]] = []

    def do_GET(self) -> None:
        Files.seen.append((self.command, self.path, self.headers.get("Authorization")))
        found = FILES.get(self.path)
        if found is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", found[0])
        self.send_header("Content-Length", str(len(found[1])))
        self.end_headers()
        self.wfile.write(found[1])

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/plugin-io/api/twilio_sms_mms/public_media/a"
    server.shutdown()


def placeholder(url: str) -> NewMedia:
    return NewMedia("image/png", b"placeholder")


def test_plugin_media_is_fetched_with_get_and_no_credentials(base: str) -> None:
    Files.seen.clear()

    media, failure = collect_media([f"{base}/ok"], placeholder)

    assert failure is None
    assert media == [NewMedia("image/png", PNG)]
    assert Files.seen == [("GET", "/plugin-io/api/twilio_sms_mms/public_media/a/ok", None)]


@pytest.mark.parametrize(
    ("paths", "code"),
    [(["missing"], 11200), (["html"], 12300), (["big", "big"], 30019), (["ok", "missing"], 11200)],
)
def test_failures_carry_twilios_codes(base: str, paths: list[str], code: int) -> None:
    _, failure = collect_media([f"{base}/{path}" for path in paths], placeholder)

    assert isinstance(failure, MediaFailure)
    assert failure.code == code


def test_only_this_machines_public_media_urls_are_fetched(base: str) -> None:
    assert is_plugin_media(f"{base}/ok")
    assert not is_plugin_media("https://example.com/plugin-io/api/twilio_sms_mms/public_media/a/b")
    assert not is_plugin_media("http://127.0.0.1:9/_sandbox/assets/x.png")
    media, failure = collect_media(["https://example.com/x.png"], placeholder)
    assert (media, failure) == ([NewMedia("image/png", b"placeholder")], None)
