"""Twilio list paging: PageSize, opaque keyset PageToken, and the page envelope."""

import base64
import json
from dataclasses import dataclass
from urllib.parse import urlencode

from devtools.twilio_sandbox.errors import invalid_parameter

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000


@dataclass(frozen=True)
class PageRequest:
    """What a list request asked for: page size, page number and the keyset cursor."""

    page_size: int
    page: int
    cursor: tuple[int, str] | None


def parse_page_request(query: dict[str, str]) -> PageRequest:
    """Read PageSize/Page/PageToken; raise TwilioError 400 on bad values."""
    try:
        size = int(query.get("PageSize", DEFAULT_PAGE_SIZE))
        page = int(query.get("Page", 0))
    except ValueError as exc:
        raise invalid_parameter("PageSize and Page must be integers") from exc
    if size < 1:
        raise invalid_parameter("PageSize must be at least 1")
    token = query.get("PageToken")
    return PageRequest(
        min(size, MAX_PAGE_SIZE), max(page, 0), decode_token(token) if token else None
    )


def encode_token(cursor: tuple[int, str]) -> str:
    """Return an opaque token for a (created_us, sid) keyset cursor."""
    raw = json.dumps([cursor[0], cursor[1]], separators=(",", ":")).encode()
    return "PT" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> tuple[int, str]:
    """Return the cursor of a token; raise TwilioError 400 when it is not one of ours."""
    try:
        if not token.startswith("PT"):
            raise ValueError(token)
        data = token[2:]
        raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
        created, sid = json.loads(raw)
        return int(created), str(sid)
    except (ValueError, TypeError) as exc:
        raise invalid_parameter(f"Invalid PageToken: {token}") from exc


def envelope(
    key: str,
    items: list[dict],
    path: str,
    filters: list[tuple[str, str]],
    request: PageRequest,
    next_cursor: tuple[int, str] | None,
) -> dict:
    """Return Twilio's list body: the items under `key` plus the paging fields."""

    def page_uri(extra: list[tuple[str, str]]) -> str:
        return f"{path}?{urlencode([*filters, ('PageSize', str(request.page_size)), *extra])}"

    start = request.page * request.page_size
    next_uri = None
    if next_cursor is not None:
        next_uri = page_uri(
            [("Page", str(request.page + 1)), ("PageToken", encode_token(next_cursor))]
        )
    current = [("Page", str(request.page))]
    if request.cursor is not None:
        current.append(("PageToken", encode_token(request.cursor)))
    return {
        key: items,
        "end": start + max(len(items) - 1, 0),
        "first_page_uri": page_uri([("Page", "0")]),
        "next_page_uri": next_uri,
        "page": request.page,
        "page_size": request.page_size,
        "previous_page_uri": None,
        "start": start,
        "uri": page_uri(current),
    }
