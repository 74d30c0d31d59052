"""Can a practice number text US patients? A verdict in plain words (pure: no Twilio calls).

Since 2023-09-01 US carriers block texts from a 10DLC long code that is not in a Messaging
Service with a VERIFIED A2P 10DLC campaign (Twilio 30034). Toll-free numbers need toll-free
verification instead; numbers outside +1 are not concerned.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from twilio_sms_mms.services.sending_services import ServiceSenders, service_holding

US_PREFIX = "+1"
TOLL_FREE_AREA_CODES = frozenset({"800", "833", "844", "855", "866", "877", "888"})
VERIFIED = "VERIFIED"
PENDING_STATUSES = frozenset({"PENDING", "IN_PROGRESS"})


class Verdict(StrEnum):
    """How ready a number is to text US patients."""

    READY = "ready"
    PENDING = "pending"
    BLOCKED = "blocked"
    TOLL_FREE = "toll_free"
    NOT_US = "not_us"


# Verdicts the Send tab warns about before sending to a US number.
WARN = frozenset({Verdict.PENDING, Verdict.BLOCKED})


@dataclass(frozen=True)
class Readiness:
    """A practice number's verdict, its words, and the service and campaign it rests on."""

    phone_number: str
    verdict: Verdict
    text: str
    service_sid: str | None = None
    service_name: str | None = None
    campaign_status: str | None = None
    use_case: str | None = None

    def to_json(self) -> dict:
        """The JSON the Phones and Send tabs read."""
        return {
            "phoneNumber": self.phone_number,
            "verdict": str(self.verdict),
            "text": self.text,
            "warn": self.verdict in WARN,
            "serviceSid": self.service_sid,
            "serviceName": self.service_name,
            "campaignStatus": self.campaign_status,
            "useCase": self.use_case,
        }


def is_toll_free(phone_number: str) -> bool:
    """True for a North American toll-free number (+1 800, 833, 844, 855, 866, 877, 888)."""
    return phone_number.startswith(US_PREFIX) and phone_number[2:5] in TOLL_FREE_AREA_CODES


def readiness_of(phone_number: str, senders: list[ServiceSenders]) -> Readiness:
    """The verdict for one practice number, given the account's services and campaigns."""
    held = service_holding(senders, phone_number)
    where = {"service_sid": held.service.sid, "service_name": held.service.name} if held else {}
    if not phone_number.startswith(US_PREFIX):
        return Readiness(
            phone_number,
            Verdict.NOT_US,
            "Not a US number: A2P 10DLC registration does not apply.",
            **where,
        )
    if is_toll_free(phone_number):
        return Readiness(
            phone_number,
            Verdict.TOLL_FREE,
            "Toll-free number: A2P 10DLC does not apply; US texts need Twilio's toll-free "
            "verification (unverified toll-free texts are blocked, Twilio 30032).",
            **where,
        )
    if held is None:
        return Readiness(
            phone_number,
            Verdict.BLOCKED,
            "US texts will be blocked: not in a Messaging Service with an approved A2P 10DLC "
            "campaign (Twilio 30034).",
        )
    return campaign_verdict(phone_number, held)


def campaign_verdict(phone_number: str, held: ServiceSenders) -> Readiness:
    """The verdict of a US long code inside a Messaging Service, from its campaigns."""
    name = held.service.name
    statuses = [campaign.status for campaign in held.campaigns]
    verified = next((c for c in held.campaigns if c.status == VERIFIED), None)
    pending = next((c for c in held.campaigns if c.status in PENDING_STATUSES), None)
    chosen = verified or pending or (held.campaigns[0] if held.campaigns else None)
    facts = {
        "service_sid": held.service.sid,
        "service_name": name,
        "campaign_status": chosen.status if chosen else None,
        "use_case": chosen.use_case if chosen else None,
    }
    if verified:
        text = f"Ready for US texting (campaign VERIFIED in service {name})."
        return Readiness(phone_number, Verdict.READY, text, **facts)
    if pending:
        text = (
            f"Campaign pending review (service {name}): US texts will be blocked (Twilio 30034) "
            "until the carriers approve it, which usually takes days to weeks."
        )
        return Readiness(phone_number, Verdict.PENDING, text, **facts)
    detail = f"its campaign is {statuses[0]}" if statuses else "it has no A2P 10DLC campaign"
    text = (
        f"US texts will be blocked: service {name} holds this number but {detail}; a Messaging "
        "Service needs an approved A2P 10DLC campaign (Twilio 30034)."
    )
    return Readiness(phone_number, Verdict.BLOCKED, text, **facts)
