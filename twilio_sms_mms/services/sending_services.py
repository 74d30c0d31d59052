"""Messaging Services, the numbers in them and their US A2P campaigns (Twilio Messaging v1).

Plain values parsed from Twilio's JSON (field names per the Messaging v1 OpenAPI spec); the
requests themselves live in `twilio_service`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MessagingService:
    """A Messaging Service (`messaging.v1.service`)."""

    sid: str
    name: str
    sticky_sender: bool

    @classmethod
    def from_twilio(cls, data: dict) -> MessagingService:
        """Build from a `services` item."""
        return cls(
            sid=data["sid"],
            name=data.get("friendly_name") or data["sid"],
            sticky_sender=bool(data.get("sticky_sender")),
        )


@dataclass(frozen=True)
class Campaign:
    """A service's US A2P 10DLC campaign (`messaging.v1.service.us_app_to_person`)."""

    status: str  # campaign_status: VERIFIED, PENDING, IN_PROGRESS, FAILED, ...
    use_case: str

    @classmethod
    def from_twilio(cls, data: dict) -> Campaign:
        """Build from a `compliance` item."""
        return cls(
            status=str(data.get("campaign_status") or "").upper(),
            use_case=str(data.get("us_app_to_person_usecase") or ""),
        )


@dataclass(frozen=True)
class ServiceSenders:
    """One service, its numbers (E.164) and its campaigns."""

    service: MessagingService
    numbers: tuple[str, ...]
    campaigns: tuple[Campaign, ...]


def service_holding(senders: list[ServiceSenders], number: str) -> ServiceSenders | None:
    """The service a practice number belongs to (Twilio allows at most one), or None."""
    return next((item for item in senders if number in item.numbers), None)


def senders_to_cache(senders: list[ServiceSenders]) -> list[dict]:
    """Plain JSON of the services for the cache."""
    return [
        {
            "sid": item.service.sid,
            "name": item.service.name,
            "sticky": item.service.sticky_sender,
            "numbers": list(item.numbers),
            "campaigns": [[c.status, c.use_case] for c in item.campaigns],
        }
        for item in senders
    ]


def senders_from_cache(data: list[dict]) -> list[ServiceSenders]:
    """The services back from their cached JSON."""
    return [
        ServiceSenders(
            service=MessagingService(item["sid"], item["name"], item["sticky"]),
            numbers=tuple(item["numbers"]),
            campaigns=tuple(Campaign(status, use_case) for status, use_case in item["campaigns"]),
        )
        for item in data
    ]
