"""The plugin's configuration, read once per request from the instance's variables."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta

from twilio_sms_mms.constants import settings as names
from twilio_sms_mms.services import office_hours

# scheme://host[:port], port 1..65535 without a leading zero (checked with fullmatch).
ORIGIN_PATTERN = re.compile(
    r"https?://[A-Za-z0-9.-]+(:([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}"
    r"|655[0-2][0-9]|6553[0-5]))?"
)
REQUIRED_FOR_API = (names.ACCOUNT_SID, names.API_KEY, names.API_SECRET)


@dataclass(frozen=True)
class PluginConfig:
    """Credentials and URLs the plugin works with."""

    account_sid: str
    api_key: str
    api_secret: str
    auth_token: str
    public_base_url: str
    twilio_api_base_url: str
    auto_reply_text: str
    help_reply_text: str
    practice_name: str
    quick_replies: tuple[QuickReply, ...]
    create_task_on_inbound: bool
    inbound_task_team_id: str
    audit_staff_ids: frozenset[str]
    admin_staff_ids: frozenset[str]
    problems: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    # IANA name, validated (PracticeTimeZone; shared by office hours and scheduled texts).
    practice_time_zone: str = names.DEFAULT_PRACTICE_TIME_ZONE
    auto_replies: office_hours.AutoReplyRules | None = None
    messaging_api_base_url: str = names.DEFAULT_MESSAGING_API_BASE_URL

    @classmethod
    def from_variables(cls, secrets: dict, environment: dict) -> PluginConfig:
        """Build the configuration from `self.secrets` and `self.environment`."""
        values = {name: str(secrets.get(name) or "").strip() for name in _ALL_NAMES}
        public = values[names.PUBLIC_BASE_URL].rstrip("/") or _default_public_base(environment)
        api_base = (
            values[names.TWILIO_API_BASE_URL].rstrip("/") or names.DEFAULT_TWILIO_API_BASE_URL
        )
        messaging_base = (
            values[names.MESSAGING_API_BASE_URL].rstrip("/") or names.DEFAULT_MESSAGING_API_BASE_URL
        )
        problems = [f"{name} is not set" for name in REQUIRED_FOR_API if not values[name]]
        if not ORIGIN_PATTERN.fullmatch(public):
            problems.append(f"{names.PUBLIC_BASE_URL} must be scheme://host[:port]")
        if not ORIGIN_PATTERN.fullmatch(api_base):
            problems.append(f"{names.TWILIO_API_BASE_URL} must be scheme://host[:port]")
        if not ORIGIN_PATTERN.fullmatch(messaging_base):
            problems.append(f"{names.MESSAGING_API_BASE_URL} must be scheme://host[:port]")
        quick_replies, quick_reply_problem = parse_quick_replies(values[names.QUICK_REPLIES])
        auto_replies, reply_problems = auto_reply_rules(values)
        return cls(
            account_sid=values[names.ACCOUNT_SID],
            api_key=values[names.API_KEY],
            api_secret=values[names.API_SECRET],
            auth_token=values[names.AUTH_TOKEN],
            public_base_url=public,
            twilio_api_base_url=api_base,
            auto_reply_text=values[names.AUTO_REPLY_TEXT],
            help_reply_text=values[names.HELP_REPLY_TEXT],
            practice_name=values[names.PRACTICE_NAME],
            quick_replies=quick_replies,
            create_task_on_inbound=values[names.CREATE_TASK_ON_INBOUND].lower() in TRUE_WORDS,
            inbound_task_team_id=values[names.INBOUND_TASK_TEAM_ID],
            audit_staff_ids=staff_ids(values[names.AUDIT_STAFF_IDS]),
            admin_staff_ids=staff_ids(values[names.ADMIN_STAFF_IDS]),
            problems=tuple(problems),
            warnings=tuple(w for w in (quick_reply_problem, *reply_problems) if w),
            practice_time_zone=auto_replies.zone.key,
            auto_replies=auto_replies,
            messaging_api_base_url=messaging_base,
        )

    def is_admin(self, staff_id: str) -> bool:
        """True when the staff member may rewire webhooks, use another callback URL or delete."""
        return bool(staff_id) and staff_id in self.admin_staff_ids

    def public_url(self, route: str) -> str:
        """Return the public URL Twilio uses for one of the plugin's routes."""
        return f"{self.public_base_url}{names.ROUTE_PREFIX}{route}"

    @property
    def inbound_url(self) -> str:
        """The plugin's own inbound-message webhook URL."""
        return self.public_url(names.INBOUND_ROUTE)

    @property
    def status_url(self) -> str:
        """The plugin's own status-callback URL."""
        return self.public_url(names.STATUS_ROUTE)

    @property
    def plugin_urls(self) -> dict[str, str]:
        """The plugin's webhook URLs, as the UI shows them and Twilio must be given them."""
        return {"inbound": self.inbound_url, "status": self.status_url}

    @property
    def twilio_account_url(self) -> str:
        """The base URL of the account's REST resources, ending with a slash."""
        path = names.TWILIO_API_VERSION_PATH.format(account_sid=self.account_sid)
        return f"{self.twilio_api_base_url}{path}"

    @property
    def messaging_url(self) -> str:
        """The base URL of Twilio's Messaging v1 API, ending with a slash."""
        return f"{self.messaging_api_base_url}{names.MESSAGING_API_VERSION_PATH}"


_ALL_NAMES = (
    names.ACCOUNT_SID,
    names.API_KEY,
    names.API_SECRET,
    names.AUTH_TOKEN,
    names.PUBLIC_BASE_URL,
    names.TWILIO_API_BASE_URL,
    names.MESSAGING_API_BASE_URL,
    names.AUTO_REPLY_TEXT,
    names.HELP_REPLY_TEXT,
    names.QUICK_REPLIES,
    names.PRACTICE_NAME,
    names.CREATE_TASK_ON_INBOUND,
    names.INBOUND_TASK_TEAM_ID,
    names.AUDIT_STAFF_IDS,
    names.ADMIN_STAFF_IDS,
    names.OFFICE_HOURS,
    names.AFTER_HOURS_REPLY_TEXT,
    names.PRACTICE_TIME_ZONE,
    names.AUTO_REPLY_QUIET_HOURS,
)
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


@dataclass(frozen=True)
class QuickReply:
    """A message template an administrator configured, e.g. {"name": "Reminder", "text": "..."}."""

    name: str
    text: str


def parse_quick_replies(raw: str) -> tuple[tuple[QuickReply, ...], str | None]:
    """Parse the QuickReplies variable (a JSON list of {name, text}); report a problem if bad."""
    if not raw:
        return (), None
    try:
        items = json.loads(raw)
    except ValueError:
        return (), f"{names.QUICK_REPLIES} is not valid JSON"
    if not isinstance(items, list) or not all(
        isinstance(item, dict)
        and isinstance(item.get("name"), str)
        and isinstance(item.get("text"), str)
        for item in items
    ):
        return (), f"{names.QUICK_REPLIES} must be a JSON list of {{name, text}}"
    return tuple(QuickReply(item["name"], item["text"]) for item in items), None


def auto_reply_rules(values: dict[str, str]) -> tuple[office_hours.AutoReplyRules, list[str]]:
    """The after-hours rules; any invalid variable turns automatic replies off (and is named)."""
    hours, hours_problem = office_hours.parse_office_hours(values[names.OFFICE_HOURS])
    zone, zone_problem = office_hours.parse_time_zone(values[names.PRACTICE_TIME_ZONE])
    quiet, quiet_problem = office_hours.parse_quiet_hours(values[names.AUTO_REPLY_QUIET_HOURS])
    problems = [p for p in (hours_problem, zone_problem, quiet_problem) if p]
    rules = office_hours.AutoReplyRules(
        auto_reply_text=values[names.AUTO_REPLY_TEXT],
        after_hours_text=values[names.AFTER_HOURS_REPLY_TEXT],
        hours=hours,
        zone=zone,
        quiet=timedelta(hours=quiet),
        broken=bool(problems),
    )
    return rules, [f"{p}: automatic replies are off until it is fixed" for p in problems]


def staff_ids(raw: str) -> frozenset[str]:
    """The staff keys of a comma-separated variable (blanks ignored)."""
    return frozenset(part.strip() for part in raw.split(",") if part.strip())


def _default_public_base(environment: dict) -> str:
    """Canvas's public origin for this instance, from CUSTOMER_IDENTIFIER."""
    customer = str(environment.get("CUSTOMER_IDENTIFIER") or "").strip()
    return f"https://{customer}.canvasmedical.com" if customer else ""
