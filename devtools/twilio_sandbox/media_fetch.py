"""Fetching a plugin's public MediaUrl as Twilio does: GET with no credentials, then judge it.

Only URLs on this machine whose path is a plugin's public media route are fetched (the
stand-in never reaches the internet). Twilio's failures are reported like Twilio reports them:
the create answers 201 queued, and the message then fails with 11200 (the URL did not answer
200), 12300 (a content type Twilio does not accept) or 30019 (all media over 5 MB).
"""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.error import URLError
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

from devtools.twilio_sandbox.records import NewMedia

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
PUBLIC_MEDIA_PATH = "/public_media/"
TOTAL_MAX_BYTES = 5 * 1000 * 1000
FETCH_TIMEOUT_S = 10
ACCEPTED_TYPES = frozenset(
    {"image/jpeg", "image/jpg", "image/png", "image/gif", "application/pdf", "text/vcard"}
)


@dataclass(frozen=True)
class MediaFailure:
    """Why Twilio would fail the message after fetching its media."""

    code: int
    message: str


def is_plugin_media(url: str) -> bool:
    """A plugin's public media URL served on this machine."""
    parts = urlsplit(url)
    return (parts.hostname or "") in LOOPBACK and PUBLIC_MEDIA_PATH in parts.path


def fetch(url: str) -> NewMedia | MediaFailure:
    """GET the URL without credentials; the bytes and their type, or Twilio's failure."""
    try:
        with urlopen(Request(url, method="GET"), timeout=FETCH_TIMEOUT_S) as answer:
            content_type = answer.headers.get_content_type()
            data = answer.read(TOTAL_MAX_BYTES + 1)
    except (URLError, OSError, ValueError):
        return MediaFailure(11200, "HTTP retrieval failure")
    if content_type not in ACCEPTED_TYPES:
        return MediaFailure(12300, "Invalid Content-Type")
    return NewMedia(content_type, data)


def judge_total(media: list[NewMedia]) -> MediaFailure | None:
    """30019 when all media together are over Twilio's 5 MB."""
    if sum(len(item.data) for item in media) > TOTAL_MAX_BYTES:
        return MediaFailure(30019, "Content size exceeds carrier limit")
    return None


def collect_media(
    urls: list[str], resolve_other: Callable[[str], NewMedia]
) -> tuple[list[NewMedia], MediaFailure | None]:
    """Each MediaUrl's bytes (plugin URLs fetched, others resolved locally) and any failure."""
    media: list[NewMedia] = []
    failure: MediaFailure | None = None
    for url in urls:
        got = fetch(url) if is_plugin_media(url) else resolve_other(url)
        if isinstance(got, MediaFailure):
            failure = failure or got
        else:
            media.append(got)
    return media, failure or judge_total(media)
