"""The chart-pane application: opens the three-tab texting UI for the current patient."""

from canvas_sdk.effects import Effect
from canvas_sdk.effects.launch_modal import LaunchModalEffect
from canvas_sdk.handlers.application import Application
from canvas_sdk.templates import render_to_string

from twilio_sms_mms.constants.settings import ROUTE_PREFIX


class SmsFormApp(Application):
    """Opens the SMS app in the right chart pane."""

    def on_open(self) -> Effect:
        """Render the app page for the patient in context."""
        patient_id = str((self.event.context.get("patient") or {}).get("id") or "")
        html = render_to_string(
            "templates/sms_app.html",
            {"app_config": {"apiBase": ROUTE_PREFIX, "patientId": patient_id}},
        )
        return LaunchModalEffect(
            content=html,
            target=LaunchModalEffect.TargetType.RIGHT_CHART_PANE,
            title="SMS Twilio",
        ).apply()
