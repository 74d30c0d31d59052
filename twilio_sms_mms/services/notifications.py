"""What the plugin pushes to Canvas when a message arrives or changes: updates, badges, tasks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from canvas_sdk.effects.application_notification_badge import ApplicationNotificationBadge
from canvas_sdk.effects.simple_api import Broadcast
from canvas_sdk.effects.task import AddTask
from logger import log
from pydantic import ValidationError

from twilio_sms_mms.constants.settings import APP_IDENTIFIER

if TYPE_CHECKING:
    from canvas_sdk.effects import Effect


def patient_channel(patient_id: str) -> str:
    """The WebSocket channel of one patient's thread."""
    return f"patient_{patient_id}"


def live_update(patient_ids: list[str], event: dict) -> list[Effect]:
    """Broadcast an event to every open thread of these patients."""
    return [
        Broadcast(channel=patient_channel(patient_id), message=event).apply()
        for patient_id in patient_ids
    ]


def unread_badge(patient_id: str, count: int) -> list[Effect]:
    """Set the app's notification badge for this patient's chart ([] if Canvas lacks the app)."""
    try:
        badge = (
            ApplicationNotificationBadge(application_identifier=APP_IDENTIFIER)
            .filter(patient_ids=[patient_id])
            .broadcast(count)
        )
    except ValidationError:
        # The badge names an installed Application row; a bare local runner has none.
        log.warning("notification badge skipped: the SMS Twilio application is not installed")
        return []
    return [badge]


def reply_task(patient_id: str, team_id: str) -> Effect:
    """A task asking the care team to read and answer the patient's text."""
    return AddTask(
        patient_id=patient_id,
        team_id=team_id or None,
        title="New text message from the patient: read and reply (SMS Twilio)",
        labels=["SMS"],
    ).apply()
