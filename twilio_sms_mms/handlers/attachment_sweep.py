"""Hourly removal of MMS attachments nobody sent within 24 hours, and of expired sent ones."""

from canvas_sdk.effects import Effect
from canvas_sdk.handlers.cron_task import CronTask
from logger import log

from twilio_sms_mms.services.attachments import purge_expired


class AttachmentSweep(CronTask):
    """Deletes expired uploads (their rows and bytes); also done on every upload."""

    SCHEDULE = "17 * * * *"

    def execute(self) -> list[Effect]:
        """Remove what expired and log how many."""
        removed = purge_expired()
        if removed:
            log.info(f"attachments removed={removed}")
        return []
