"""Variable names, routes and limits of the plugin."""

PLUGIN_NAME = "twilio_sms_mms"
ROUTE_PREFIX = f"/plugin-io/api/{PLUGIN_NAME}"

# Variables an administrator sets on the instance (CANVAS_MANIFEST.json "variables").
ACCOUNT_SID = "TwilioAccountSID"
API_KEY = "TwilioAPIKey"
API_SECRET = "TwilioAPISecret"
AUTH_TOKEN = "TwilioAuthToken"
PUBLIC_BASE_URL = "PublicBaseUrl"
TWILIO_API_BASE_URL = "TwilioApiBaseUrl"
MESSAGING_API_BASE_URL = "TwilioMessagingApiBaseUrl"
AUTO_REPLY_TEXT = "AutoReplyText"
HELP_REPLY_TEXT = "HelpReplyText"
QUICK_REPLIES = "QuickReplies"
PRACTICE_NAME = "PracticeName"
CREATE_TASK_ON_INBOUND = "CreateTaskOnInbound"
INBOUND_TASK_TEAM_ID = "InboundTaskTeamId"
AUDIT_STAFF_IDS = "AuditStaffIds"
ADMIN_STAFF_IDS = "AdminStaffIds"
# Practice inbox and after-hours auto-reply (PracticeTimeZone is shared with scheduled texts).
OFFICE_HOURS = "OfficeHours"
AFTER_HOURS_REPLY_TEXT = "AfterHoursReplyText"
PRACTICE_TIME_ZONE = "PracticeTimeZone"
AUTO_REPLY_QUIET_HOURS = "AutoReplyQuietHours"
DEFAULT_PRACTICE_TIME_ZONE = "America/New_York"
DEFAULT_AUTO_REPLY_QUIET_HOURS = 12

DEFAULT_TWILIO_API_BASE_URL = "https://api.twilio.com"
TWILIO_API_VERSION_PATH = "/2010-04-01/Accounts/{account_sid}/"
DEFAULT_MESSAGING_API_BASE_URL = "https://messaging.twilio.com"
MESSAGING_API_VERSION_PATH = "/v1/"

# Webhook routes, relative to ROUTE_PREFIX.
INBOUND_ROUTE = "/inbound_treatment"
STATUS_ROUTE = "/outbound_api_status"
WEBHOOK_ROUTES = frozenset({INBOUND_ROUTE, STATUS_ROUTE})
# Public routes: no Canvas session. The webhooks prove a Twilio signature; the media route that
# Twilio fetches an MMS attachment from proves a secret token in its path (404 otherwise).
PUBLIC_MEDIA_ROUTE = "/public_media"


def is_public_route(path: str) -> bool:
    """Whether `path` (relative to ROUTE_PREFIX) skips the Staff session check."""
    return path in WEBHOOK_ROUTES or path.startswith(f"{PUBLIC_MEDIA_ROUTE}/")


# Limits.
BODY_MAX_CHARS = 1600
MEDIA_MAX_COUNT = 10
# Twilio's limit for all media of one message together, and the files the composer may attach.
MEDIA_MAX_TOTAL_BYTES = 5 * 1000 * 1000
MEDIA_TYPES = ("image/jpeg", "image/png", "image/gif", "application/pdf")
# Photos the browser redraws before upload (issue 11): longer than this side, or heavier than
# PHOTO_REDRAW_OVER_BYTES, become a JPEG of this quality.
PHOTO_MAX_SIDE_PX = 1600
PHOTO_JPEG_QUALITY = 0.8
PHOTO_REDRAW_OVER_BYTES = 1000 * 1000
BODY_PREVIEW_CHARS = 160
PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 200
PHONE_PAGE_SIZE = 1000
PHONE_PAGES_MAX = 5
CAPABILITIES_CACHE_SECONDS = 600
READINESS_CACHE_SECONDS = 600
# Scheduled texts: Twilio accepts SendAt 15 minutes to 35 days ahead (35114 otherwise).
SCHEDULE_MIN_AHEAD_MINUTES = 15
SCHEDULE_MAX_AHEAD_DAYS = 35
SERVICE_PAGE_SIZE = 100

# The chart app, as Canvas identifies it (module:class).
APP_IDENTIFIER = f"{PLUGIN_NAME}.handlers.sms_form_app:SmsFormApp"
# The practice inbox application (opened outside a chart).
INBOX_APP_IDENTIFIER = f"{PLUGIN_NAME}.handlers.sms_inbox_app:SmsInboxApp"
