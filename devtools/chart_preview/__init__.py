"""Local stand-in for the Canvas chart: the page, the plugin-io proxy, the WebSocket fan-out."""

from devtools.chart_preview.background import PreviewServer
from devtools.chart_preview.proxy import SESSION_COOKIE, staff_session_headers
from devtools.chart_preview.server import build_app

__all__ = ["SESSION_COOKIE", "PreviewServer", "build_app", "staff_session_headers"]
