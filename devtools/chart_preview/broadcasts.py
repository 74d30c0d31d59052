"""Canvas's WebSocket fan-out, emulated: a Broadcast reaches every socket on its channel."""

import asyncio
import json
import logging
from collections import defaultdict

from aiohttp import web

from devtools.chart_preview.proxy import loggable_path
from devtools.runner_client import BroadcastMessage

log = logging.getLogger("devtools.chart_preview")


class ChannelHub:
    """Open sockets by channel name; `publish` sends a message's JSON to each of them."""

    def __init__(self) -> None:
        self._sockets: dict[str, set[web.WebSocketResponse]] = defaultdict(set)

    def join(self, channel: str, socket: web.WebSocketResponse) -> None:
        """Register a socket on a channel."""
        self._sockets[channel].add(socket)

    def leave(self, channel: str, socket: web.WebSocketResponse) -> None:
        """Forget a socket."""
        self._sockets[channel].discard(socket)
        if not self._sockets[channel]:
            del self._sockets[channel]

    def listeners(self, channel: str) -> int:
        """How many sockets listen on a channel."""
        return len(self._sockets.get(channel, ()))

    async def publish(self, broadcast: BroadcastMessage) -> int:
        """Send the message JSON to the channel's sockets; return how many received it."""
        sockets = list(self._sockets.get(broadcast.channel, ()))
        text = json.dumps(broadcast.message)
        results = await asyncio.gather(
            *(s.send_str(text) for s in sockets if not s.closed), return_exceptions=True
        )
        delivered = sum(1 for r in results if not isinstance(r, BaseException))
        log.info(
            "broadcast on %s delivered to %d socket(s)", loggable_path(broadcast.channel), delivered
        )
        return delivered

    async def close_all(self) -> None:
        """Close every socket (server shutdown)."""
        sockets = [s for group in self._sockets.values() for s in group]
        self._sockets.clear()
        await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)
