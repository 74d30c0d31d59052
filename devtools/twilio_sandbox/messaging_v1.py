"""Twilio's Messaging v1 API under /v1/: Messaging Services, their numbers, US A2P campaigns.

The registry lives in the store's meta table as one JSON document (small, and it survives a
restart like the rest of the stand-in's data). The demo seed puts the Main line in a service
"Clinic Reminders" whose campaign is VERIFIED; the Front desk number is in no service.
"""

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field

from devtools.twilio_sandbox.clock import now_us, rfc2822
from devtools.twilio_sandbox.errors import TwilioError, not_found
from devtools.twilio_sandbox.http_types import Reply, Request, json_reply
from devtools.twilio_sandbox.numbers import SenderKind, is_us_bound, sender_kind
from devtools.twilio_sandbox.store import Store

V1_PREFIX = "/v1/"
REGISTRY_KEY = "messaging_v1"
DEMO_KEY = "messaging_v1_demo_seeded"
DEMO_SERVICE = "Clinic Reminders"
VERIFIED, PENDING, FAILED = "VERIFIED", "PENDING", "FAILED"
CAMPAIGN_STATUSES = (VERIFIED, PENDING, "IN_PROGRESS", FAILED)
_SID = r"([A-Z]{2}[0-9a-f]{32})"
SERVICES = re.compile(r"^Services$")
SERVICE = re.compile(rf"^Services/{_SID}$")
SERVICE_NUMBERS = re.compile(rf"^Services/{_SID}/PhoneNumbers$")
CAMPAIGNS = re.compile(rf"^Services/{_SID}/Compliance/Usa2p$")


@dataclass
class Registry:
    """Services (sid -> fields), numbers in services and campaigns, as stored JSON."""

    services: list[dict] = field(default_factory=list)
    numbers: list[dict] = field(default_factory=list)
    campaigns: list[dict] = field(default_factory=list)

    def service(self, sid: str) -> dict | None:
        """The service with this sid, or None."""
        return next((item for item in self.services if item["sid"] == sid), None)

    def service_of(self, phone_number: str) -> dict | None:
        """The service holding a number (a number is in at most one service), or None."""
        sid = next(
            (row["service_sid"] for row in self.numbers if row["phone_number"] == phone_number),
            None,
        )
        return self.service(sid) if sid else None

    def numbers_of(self, service_sid: str) -> list[str]:
        """The numbers of a service, in the order they were added."""
        return [row["phone_number"] for row in self.numbers if row["service_sid"] == service_sid]

    def campaign_of(self, service_sid: str) -> dict | None:
        """The service's US A2P campaign (at most one), or None."""
        return next((c for c in self.campaigns if c["service_sid"] == service_sid), None)


def stable_sid(prefix: str, *parts: str) -> str:
    """A SID derived from its parts, so seeds give the same SIDs every time."""
    return prefix + hashlib.md5(":".join(parts).encode()).hexdigest()


def load(store: Store) -> Registry:
    """Read the registry (empty when nothing was created)."""
    raw = store.get_meta(REGISTRY_KEY)
    return Registry(**json.loads(raw)) if raw else Registry()


def save(store: Store, registry: Registry) -> None:
    """Write the registry back."""
    store.set_meta(REGISTRY_KEY, json.dumps(asdict(registry)))


def add_service(
    store: Store, account_sid: str, name: str, sticky_sender: bool = True, validity: int = 36000
) -> str:
    """Create a Messaging Service and return its MG sid."""
    registry = load(store)
    sid = stable_sid("MG", account_sid, name)
    if registry.service(sid) is None:
        registry.services.append(
            {
                "sid": sid,
                "friendly_name": name,
                "sticky_sender": sticky_sender,
                "validity_period": validity,
                "created_us": now_us(),
            }
        )
        save(store, registry)
    return sid


def add_number(store: Store, account_sid: str, service_sid: str, phone_number: str) -> None:
    """Put a practice number in a service (moving it out of any other, as Twilio requires)."""
    registry = load(store)
    registry.numbers = [row for row in registry.numbers if row["phone_number"] != phone_number]
    registry.numbers.append(
        {
            "sid": stable_sid("PN", account_sid, phone_number),
            "service_sid": service_sid,
            "phone_number": phone_number,
            "created_us": now_us(),
        }
    )
    save(store, registry)


def set_campaign(
    store: Store, account_sid: str, service_sid: str, status: str, use_case: str = "MIXED"
) -> None:
    """Register (or change the status of) the service's US A2P 10DLC campaign."""
    registry = load(store)
    registry.campaigns = [c for c in registry.campaigns if c["service_sid"] != service_sid]
    registry.campaigns.append(
        {
            "sid": stable_sid("QE", account_sid, service_sid),
            "service_sid": service_sid,
            "status": status,
            "use_case": use_case,
            "created_us": now_us(),
        }
    )
    save(store, registry)


def seed_messaging_demo(store: Store, account_sid: str, main_line: str) -> None:
    """The demo's "Clinic Reminders" service: the Main line, a VERIFIED campaign."""
    if store.get_meta(DEMO_KEY):
        return
    service_sid = add_service(store, account_sid, DEMO_SERVICE)
    add_number(store, account_sid, service_sid, main_line)
    set_campaign(store, account_sid, service_sid, VERIFIED, "ACCOUNT_NOTIFICATION")
    store.set_meta(DEMO_KEY, "1")


def blocked_by_10dlc(store: Store, sender: str, to: str) -> bool:
    """True when Twilio would fail this send with 30034: a US long code (10DLC) texting a US
    number from outside every Messaging Service with a VERIFIED A2P campaign."""
    if sender_kind(sender) != SenderKind.US_LONG_CODE or not is_us_bound(to):
        return False
    registry = load(store)
    service = registry.service_of(sender)
    campaign = registry.campaign_of(service["sid"]) if service else None
    return campaign is None or campaign["status"] != VERIFIED


def pick_sender(store: Store, service_sid: str) -> str:
    """The number a service sends from: its first (one number per service in the demos)."""
    registry = load(store)
    numbers = registry.numbers_of(service_sid) if registry.service(service_sid) else []
    if not numbers:
        raise TwilioError(
            400, 21704, "The Messaging Service contains no phone numbers or is not found"
        )
    return numbers[0]


def service_json(account_sid: str, service: dict) -> dict:
    """A Messaging Service resource (messaging.v1.service)."""
    url = f"https://messaging.twilio.com/v1/Services/{service['sid']}"
    return {
        "sid": service["sid"],
        "account_sid": account_sid,
        "friendly_name": service["friendly_name"],
        "date_created": rfc2822(service["created_us"]),
        "date_updated": rfc2822(service["created_us"]),
        "inbound_request_url": None,
        "inbound_method": "POST",
        "fallback_url": None,
        "fallback_method": "POST",
        "status_callback": None,
        "sticky_sender": service["sticky_sender"],
        "mms_converter": True,
        "smart_encoding": True,
        "scan_message_content": "inherit",
        "fallback_to_long_code": False,
        "area_code_geomatch": True,
        "synchronous_validation": True,
        "validity_period": service["validity_period"],
        "url": url,
        "links": {
            "phone_numbers": f"{url}/PhoneNumbers",
            "us_app_to_person": f"{url}/Compliance/Usa2p",
        },
        "usecase": "notifications",
        "us_app_to_person_registered": False,
        "use_inbound_webhook_on_number": True,
    }


def number_json(account_sid: str, row: dict) -> dict:
    """A number of a service (messaging.v1.service.phone_number)."""
    return {
        "sid": row["sid"],
        "account_sid": account_sid,
        "service_sid": row["service_sid"],
        "date_created": rfc2822(row["created_us"]),
        "date_updated": rfc2822(row["created_us"]),
        "phone_number": row["phone_number"],
        "country_code": "US" if row["phone_number"].startswith("+1") else None,
        "capabilities": ["SMS", "MMS"],
        "url": f"https://messaging.twilio.com/v1/Services/{row['service_sid']}/PhoneNumbers/"
        f"{row['sid']}",
    }


def campaign_json(account_sid: str, campaign: dict) -> dict:
    """A US A2P campaign (messaging.v1.service.us_app_to_person)."""
    return {
        "sid": campaign["sid"],
        "account_sid": account_sid,
        "brand_registration_sid": stable_sid("BN", account_sid),
        "messaging_service_sid": campaign["service_sid"],
        "description": "Appointment reminders and care messages to the clinic's patients.",
        "message_samples": ["Reminder: your appointment is on Tuesday at 10:30."],
        "us_app_to_person_usecase": campaign["use_case"],
        "has_embedded_links": False,
        "has_embedded_phone": True,
        "subscriber_opt_in": True,
        "age_gated": False,
        "direct_lending": False,
        "campaign_status": campaign["status"],
        "campaign_id": "C" + campaign["sid"][2:8].upper(),
        "is_externally_registered": False,
        "rate_limits": {"att": {"mps": 600, "msg_class": "A"}},
        "message_flow": "Patients consent to texts at registration.",
        "opt_in_message": None,
        "opt_out_message": None,
        "help_message": None,
        "opt_in_keywords": None,
        "opt_out_keywords": None,
        "help_keywords": None,
        "date_created": rfc2822(campaign["created_us"]),
        "date_updated": rfc2822(campaign["created_us"]),
        "url": f"https://messaging.twilio.com/v1/Services/{campaign['service_sid']}"
        f"/Compliance/Usa2p/{campaign['sid']}",
        "mock": False,
        "errors": [],
    }


def _list(key: str, path: str, items: list[dict], request: Request) -> Reply:
    """One page holding every item (the stand-in's registries are small)."""
    page_size = int(request.query.get("PageSize") or 50)
    url = f"https://messaging.twilio.com{path}?PageSize={page_size}&Page=0"
    meta = {
        "page": 0,
        "page_size": page_size,
        "first_page_url": url,
        "previous_page_url": None,
        "next_page_url": None,
        "url": url,
        "key": key,
    }
    return json_reply(200, {key: items[:page_size], "meta": meta})


def handle_v1(store: Store, account_sid: str, request: Request) -> Reply:
    """Answer an authenticated GET under /v1/ (the stand-in models reads only)."""
    sub_path = request.path[len(V1_PREFIX) :]
    registry = load(store)
    if request.method != "GET":
        raise TwilioError(405, 20004, f"Method not allowed: {request.method}")
    if SERVICES.match(sub_path):
        items = [service_json(account_sid, item) for item in registry.services]
        return _list("services", request.path, items, request)
    if match := SERVICE.match(sub_path):
        service = registry.service(match.group(1))
        if service is None:
            raise not_found(request.path)
        return json_reply(200, service_json(account_sid, service))
    if match := SERVICE_NUMBERS.match(sub_path):
        sid = match.group(1)
        if registry.service(sid) is None:
            raise not_found(request.path)
        rows = [row for row in registry.numbers if row["service_sid"] == sid]
        items = [number_json(account_sid, row) for row in rows]
        return _list("phone_numbers", request.path, items, request)
    if match := CAMPAIGNS.match(sub_path):
        sid = match.group(1)
        if registry.service(sid) is None:
            raise not_found(request.path)
        campaign = registry.campaign_of(sid)
        items = [campaign_json(account_sid, campaign)] if campaign else []
        return _list("compliance", request.path, items, request)
    raise not_found(request.path)


def route_kind_v1(method: str, path: str) -> str:
    """The stats key of a /v1/ request, e.g. `GET v1/Services/{Sid}/PhoneNumbers`."""
    sub_path = path[len(V1_PREFIX) :]
    kinds = (
        (SERVICES, "Services"),
        (SERVICE, "Services/{Sid}"),
        (SERVICE_NUMBERS, "Services/{Sid}/PhoneNumbers"),
        (CAMPAIGNS, "Services/{Sid}/Compliance/Usa2p"),
    )
    kind = next((name for pattern, name in kinds if pattern.match(sub_path)), "unknown")
    return f"{method} v1/{kind}"
