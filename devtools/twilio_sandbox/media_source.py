"""Turning a MediaUrl into stored bytes without ever leaving the machine."""

import re
from urllib.parse import urlsplit

from devtools.twilio_sandbox.assets import asset, placeholder
from devtools.twilio_sandbox.records import NewMedia
from devtools.twilio_sandbox.store import Store

_ASSET_PATH = re.compile(r"^/_sandbox/assets/(?P<name>[A-Za-z0-9._-]+)$")
_RAW_MEDIA_PATH = re.compile(
    r"^/2010-04-01/Accounts/AC[0-9a-fA-F]+/Messages/(?P<msg>[A-Z]{2}[0-9a-f]{32})"
    r"/Media/(?P<media>ME[0-9a-f]{32})$"
)


def _own_host(url: str, own_urls: list[str]) -> bool:
    netloc = urlsplit(url).netloc.lower()
    return any(netloc == urlsplit(own).netloc.lower() for own in own_urls)


def resolve_media(url: str, own_urls: list[str], store: Store) -> NewMedia:
    """Return the bytes to store for `url`.

    A sample asset or stored media of this stand-in is copied; anything else becomes the grey
    placeholder PNG (the stand-in never fetches the internet).
    """
    if _own_host(url, own_urls):
        path = urlsplit(url).path
        if match := _ASSET_PATH.match(path):
            found = asset(match["name"])
            if found:
                return found
        if match := _RAW_MEDIA_PATH.match(path):
            item = store.media_item(match["msg"], match["media"])
            if item:
                return NewMedia(item.content_type, item.data)
    return placeholder()
