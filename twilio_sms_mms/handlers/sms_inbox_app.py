"""The practice inbox application: every conversation, opened from anywhere in Canvas.

Scope `global`: the inbox is shared work that is not about one patient, so it must open
without a chart (`patient_specific` needs one) and stay one click away on every page; its
notification badge (conversations with unread texts) shows on the app's launcher icon.
"""

from __future__ import annotations

from canvas_sdk.effects import Effect
from canvas_sdk.effects.launch_modal import LaunchModalEffect
from canvas_sdk.handlers.application import Application
from canvas_sdk.templates import render_to_string

from twilio_sms_mms.constants.client_values import client_values
from twilio_sms_mms.constants.settings import ROUTE_PREFIX
from twilio_sms_mms.handlers.sms_form_app import SmsFormApp
from twilio_sms_mms.services import inbox, inbox_backfill, messaging
from twilio_sms_mms.services.config import PluginConfig


class SmsInboxApp(Application):
    """Opens the inbox as a page; costs no Twilio request."""

    # Who opened it: the context's staff, else the acting user (same rule as the chart app).
    staff_id = SmsFormApp.staff_id

    def on_open(self) -> Effect:
        """Render the inbox page for the staff member who opened it."""
        config = PluginConfig.from_variables(dict(self.secrets or {}), dict(self.environment or {}))
        staff_id = self.staff_id()
        messaging.ensure_links()  # history from before the link table, once
        inbox_backfill.backfill_once()  # rows for history from before the inbox, once
        app_config = {
            "apiBase": ROUTE_PREFIX,
            "staffId": staff_id,
            "pluginUrls": config.plugin_urls,
            "configProblems": list(config.problems),
            "configWarnings": list(config.warnings),
            "isAdmin": config.is_admin(staff_id),
            "shared": client_values(),
            "practiceTimeZone": config.practice_time_zone,  # IANA: Send later picks times in it
        }
        html = render_to_string("templates/inbox_app.html", {"app_config": app_config})
        return LaunchModalEffect(
            content=html, target=LaunchModalEffect.TargetType.PAGE, title="SMS inbox"
        ).apply()

    def compute_notification_badge(self) -> int | None:
        """Conversations with unread texts."""
        return inbox.unread_conversations()
