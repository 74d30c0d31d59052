"""The request and response values passed between the HTTP server and the route handlers."""

import json
from dataclasses import dataclass, field
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class Request:
    """A parsed HTTP request: method, path, query pairs, raw body and headers."""

    method: str
    path: str
    query_pairs: list[tuple[str, str]]
    body: bytes
    headers: dict[str, str]

    @property
    def query(self) -> dict[str, str]:
        """Return the query parameters (first value of each name)."""
        result: dict[str, str] = {}
        for key, value in self.query_pairs:
            result.setdefault(key, value)
        return result

    def form_pairs(self) -> list[tuple[str, str]]:
        """Return the form-encoded body as (name, value) pairs, repeated names kept."""
        return parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True)

    def json(self) -> dict:
        """Return the JSON body as a dict (empty body -> {}); raise ValueError otherwise."""
        if not self.body.strip():
            return {}
        data = json.loads(self.body)
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        return data


@dataclass
class Reply:
    """An HTTP response."""

    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def json_reply(status: int, data: object) -> Reply:
    """Return a JSON response."""
    return Reply(status, json.dumps(data).encode())


def html_reply(status: int, html: str) -> Reply:
    """Return an HTML page that may not load anything from elsewhere."""
    return Reply(
        status,
        html.encode(),
        "text/html; charset=utf-8",
        {
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
            "img-src 'self'; form-action 'self'",
            "X-Content-Type-Options": "nosniff",
        },
    )


def redirect(location: str) -> Reply:
    """Return a 303 See Other to `location`."""
    return Reply(303, b"", "text/plain", {"Location": location})
