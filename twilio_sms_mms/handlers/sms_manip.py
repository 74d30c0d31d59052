"""SimpleAPI routes of the plugin (skeleton; being built)."""

from canvas_sdk.effects.simple_api import JSONResponse, Response
from canvas_sdk.handlers.simple_api import Credentials, SimpleAPI, api


class SmsManip(SimpleAPI):
    """REST routes for the chart app and Twilio's webhooks."""

    def authenticate(self, credentials: Credentials) -> bool:
        """Staff sessions only (skeleton)."""
        return self.request.headers.get("canvas-logged-in-user-type") == "Staff"

    @api.get("/phone_list")
    def phone_list(self) -> list[Response]:
        """Skeleton."""
        return [JSONResponse({"phones": []})]
