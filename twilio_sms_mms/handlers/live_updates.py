"""The plugin's WebSocket: a patient's open thread receives its live updates here."""

from __future__ import annotations

import re

from canvas_sdk.handlers.simple_api.websocket import WebSocketAPI

PATIENT_CHANNEL = re.compile(r"patient_[A-Za-z0-9-]{1,64}")
INBOX_CHANNEL = "inbox"  # the practice inbox: every conversation change


class ThreadUpdates(WebSocketAPI):
    """Accepts Staff sessions on `patient_<patient id>` channels and on `inbox`; Canvas fans
    Broadcasts out."""

    def authenticate(self) -> bool:
        """Staff with a user id only, and only on a patient channel or the inbox channel."""
        user = self.websocket.logged_in_user or {}
        user_id = str(user.get("id") or "").strip()
        channel = self.websocket.channel
        return (
            user.get("type") == "Staff"
            and bool(user_id)
            and (channel == INBOX_CHANNEL or bool(PATIENT_CHANNEL.fullmatch(channel)))
        )
