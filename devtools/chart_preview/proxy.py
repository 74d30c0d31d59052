"""How the preview turns a browser or webhook request into what Canvas hands the plugin.

Canvas authenticates the browser by its session and passes the plugin only
`canvas-logged-in-user-*` headers; callers without a session (Twilio's webhooks) get none,
and nobody may smuggle those headers in themselves.
"""

import re
from collections.abc import Iterable, Mapping

from devtools import demo_data

SESSION_COOKIE = "canvas_preview_session"
LOGGED_IN_PREFIX = "canvas-logged-in-user-"

# Never forwarded: hop-by-hop headers, and the session cookie itself.
_DROPPED_REQUEST_HEADERS = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "upgrade", "te", "trailer", "cookie"}
)
# Recomputed by the preview's own HTTP server.
_DROPPED_RESPONSE_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})

# A number with a "+" (raw or %2B), or a bare run of 7+ digits that is not part of a sid.
_PHONE_LIKE = re.compile(r"(?:%2B|\+)\d{7,}|(?<![A-Za-z0-9])\d{7,}(?![A-Za-z0-9])")


def staff_session_headers() -> dict[str, str]:
    """The headers Canvas adds for the logged-in demo clinician."""
    return {
        "canvas-logged-in-user-type": "Staff",
        "canvas-logged-in-user-id": demo_data.STAFF.key,
    }


def plugin_request_headers(
    client_headers: Iterable[tuple[str, str]], has_session: bool
) -> dict[str, str]:
    """Flatten the client's headers for the runner, strip spoofable ones, add the session's.

    Repeated headers are joined with ", " (the runner's context holds one value per name).
    """
    flat: dict[str, str] = {}
    for name, value in client_headers:
        lower = name.lower()
        if lower in _DROPPED_REQUEST_HEADERS or lower.startswith(LOGGED_IN_PREFIX):
            continue
        flat[lower] = f"{flat[lower]}, {value}" if lower in flat else value
    if has_session:
        flat.update(staff_session_headers())
    return flat


def browser_response_headers(plugin_headers: Mapping[str, str]) -> dict[str, str]:
    """The plugin's response headers minus the ones the HTTP server sets itself."""
    return {k: v for k, v in plugin_headers.items() if k.lower() not in _DROPPED_RESPONSE_HEADERS}


def loggable_path(path: str) -> str:
    """The path with anything phone-like masked (keeps the last two digits)."""
    return _PHONE_LIKE.sub(lambda m: "*" * (len(m.group()) - 2) + m.group()[-2:], path)
