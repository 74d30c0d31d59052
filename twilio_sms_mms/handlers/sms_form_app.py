"""The chart-pane application: opens the three-tab texting UI for the current patient."""

from __future__ import annotations

from canvas_sdk.effects import Effect
from canvas_sdk.effects.launch_modal import LaunchModalEffect
from canvas_sdk.handlers.application import Application
from canvas_sdk.templates import render_to_string
from canvas_sdk.v1.data import Staff

from twilio_sms_mms.constants.client_values import client_values
from twilio_sms_mms.constants.settings import ROUTE_PREFIX
from twilio_sms_mms.services import messaging
from twilio_sms_mms.services.config import PluginConfig


class SmsFormApp(Application):
    """Opens the SMS app in the right chart pane; costs no Twilio request."""

    def on_open(self) -> Effect:
        """Render the app page for the patient in context."""
        config = PluginConfig.from_variables(dict(self.secrets or {}), dict(self.environment or {}))
        patient_id = str((self.event.context.get("patient") or {}).get("id") or "")
        app_config = {
            "apiBase": ROUTE_PREFIX,
            "patientId": patient_id,
            "pluginUrls": config.plugin_urls,
            "configProblems": list(config.problems),
            "configWarnings": list(config.warnings),
            # Only hides controls: every admin-only route checks the session's staff id itself.
            "isAdmin": config.is_admin(self.staff_id()),
            "shared": client_values(),
            "practiceTimeZone": config.practice_time_zone,  # IANA: Send later picks times in it
        }
        html = render_to_string("templates/sms_app.html", {"app_config": app_config})
        return LaunchModalEffect(
            content=html,
            target=LaunchModalEffect.TargetType.RIGHT_CHART_PANE,
            title="SMS Twilio",
        ).apply()

    def staff_id(self) -> str:
        """The staff key of who opened the app, or "" when the event does not say.

        The context's `staff` (the shape Application events carry for badges) wins; otherwise
        the event's actor, which Canvas sets to the acting user's CanvasUser dbid.
        """
        staff = self.event.context.get("staff") or {}
        if isinstance(staff, dict) and staff.get("id"):
            return str(staff["id"])
        actor = str(self.event.actor.id or "")
        if not actor.isdigit():
            return ""
        key = Staff.objects.filter(user__dbid=int(actor)).values_list("id", flat=True).first()
        return str(key) if key else ""

    def compute_notification_badge(self) -> int | None:
        """Unread texts linked to the patient."""
        patient_id = str((self.event.context.get("patient") or {}).get("id") or "")
        if not patient_id:
            return None
        return messaging.unread_count(patient_id)
