"""The one module that owns the plugin's stored data: messages, opt-outs, the audit trail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError
from django.db.transaction import atomic
from django.utils import timezone

from twilio_sms_mms.models.records import AuditEntry, EarlyStatus, OptOut, TextMessage

if TYPE_CHECKING:
    from datetime import datetime

    from twilio_sms_mms.services.webhooks import InboundMessage, StatusUpdate

# Progress of a message; a status only replaces one of lower rank, and a final one stays.
STATUS_RANK = {
    "accepted": 0,
    "scheduled": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "received": 4,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,
    "read": 5,
}
FINAL_STATUSES = frozenset({"delivered", "undelivered", "failed", "canceled", "read", "received"})
THREAD_LIMIT = 200


def now() -> datetime:
    """The current time, timezone-aware."""
    return timezone.now()


def record_outbound(
    *,
    sid: str,
    status: str,
    practice_number: str,
    patient_number: str,
    body: str,
    media_urls: list[str],
    staff_id: str,
    staff_name: str,
    patient_ids: list[str],
) -> TextMessage:
    """Store a message the plugin just sent (Twilio sends no callback for its first status)."""
    moment = now()
    record = TextMessage.objects.create(
        sid=sid,  # new at Twilio: no existing row to look for
        direction="outbound",
        practice_number=practice_number,
        patient_number=patient_number,
        body=body,
        media_urls=media_urls,
        status=status,
        staff_id=staff_id,
        staff_name=staff_name,
        patient_ids=patient_ids,
        matched=bool(patient_ids),
        read=True,
        created=moment,
        updated=moment,
    )
    return apply_early_statuses(record)


def apply_early_statuses(record: TextMessage) -> TextMessage:
    """Apply the callbacks Twilio sent before the send was recorded (a race under load)."""
    early = list(EarlyStatus.objects.filter(sid=record.sid))
    if not early:
        return record
    for event in early:
        update_record(record, event.status, event.error_code)
    record.save(update_fields=["status", "error_code", "updated"])
    EarlyStatus.objects.filter(sid=record.sid).delete()
    return record


def record_inbound(inbound: InboundMessage, patient_ids: list[str]) -> tuple[TextMessage, bool]:
    """Store an inbound message once; a replayed webhook returns the stored one, created=False."""
    existing = TextMessage.objects.filter(sid=inbound.message_sid).first()
    if existing is not None:
        return existing, False
    moment = now()
    try:
        with atomic():
            record = TextMessage.objects.create(
                sid=inbound.message_sid,
                direction="inbound",
                practice_number=inbound.number_to,
                patient_number=inbound.number_from,
                body=inbound.body,
                media_urls=list(inbound.media_urls),
                media_types=list(inbound.media_types),
                status="received",
                patient_ids=patient_ids,
                matched=bool(patient_ids),
                read=False,
                created=moment,
                updated=moment,
            )
    except IntegrityError:  # the same webhook delivered twice at once
        return TextMessage.objects.get(sid=inbound.message_sid), False
    return record, True


def apply_status(update: StatusUpdate) -> TextMessage | None:
    """Apply a status callback; return the record if it changed, None if nothing changed.

    Out-of-order or replayed callbacks never move a message back nor erase its error code.
    """
    record = TextMessage.objects.filter(sid=update.message_sid).first()
    if record is None:
        keep_early_status(update)
        return None
    if not update_record(record, update.status, update.error_code):
        return None
    record.save(update_fields=["status", "error_code", "updated"])
    return record


def update_record(record: TextMessage, status: str, error_code: int | None) -> bool:
    """Move a record's status forward and keep the first error code; True if it changed."""
    changed = False
    if advances(record.status, status):
        record.status = status
        changed = True
    if error_code is not None and record.error_code is None:
        record.error_code = error_code
        changed = True
    if changed:
        record.updated = now()
    return changed


def keep_early_status(update: StatusUpdate) -> None:
    """Keep a callback for a message not recorded yet (replays of it are ignored)."""
    try:
        with atomic():
            EarlyStatus.objects.create(
                sid=update.message_sid,
                status=update.status,
                error_code=update.error_code,
                received=now(),
            )
    except IntegrityError:
        return


def advances(current: str, new: str) -> bool:
    """True when `new` is progress over `current` (never leaving a final status)."""
    if current == new:
        return False
    if current in FINAL_STATUSES and not (current == "delivered" and new == "read"):
        return False
    return STATUS_RANK.get(new, -1) > STATUS_RANK.get(current, -1)


def thread(patient_numbers: list[str]) -> list[TextMessage]:
    """The latest messages with these numbers, oldest first (at most THREAD_LIMIT)."""
    latest = TextMessage.objects.filter(patient_number__in=patient_numbers).order_by(
        "-created", "-dbid"
    )[:THREAD_LIMIT]
    return list(reversed(list(latest)))


def unread_count(patient_numbers: list[str]) -> int:
    """How many inbound messages from these numbers nobody has opened yet."""
    return TextMessage.objects.filter(
        patient_number__in=patient_numbers, direction="inbound", read=False
    ).count()


def mark_read(patient_numbers: list[str]) -> int:
    """Mark inbound messages from these numbers read; return how many changed."""
    return TextMessage.objects.filter(
        patient_number__in=patient_numbers, direction="inbound", read=False
    ).update(read=True)


def unmatched(limit: int = 100) -> list[TextMessage]:
    """Inbound messages from numbers on nobody's chart, newest first."""
    return list(
        TextMessage.objects.filter(direction="inbound", matched=False).order_by("-created")[:limit]
    )


def set_opt_out(practice_number: str, patient_number: str, opted_out: bool, source: str) -> None:
    """Record that a texter opted out of (or back into) texts from a practice number."""
    OptOut.objects.update_or_create(
        practice_number=practice_number,
        patient_number=patient_number,
        defaults={"opted_out": opted_out, "source": source, "updated": now()},
    )


def opted_out_pairs(patient_numbers: list[str]) -> set[tuple[str, str]]:
    """The (practice number, patient number) pairs currently opted out."""
    rows = OptOut.objects.filter(patient_number__in=patient_numbers, opted_out=True)
    return {(row.practice_number, row.patient_number) for row in rows}


def audit(staff_id: str, action: str, target: str) -> None:
    """Append to the audit trail."""
    AuditEntry.objects.create(staff_id=staff_id, action=action, target=target, created=now())


def audit_entries(limit: int = 200) -> list[AuditEntry]:
    """The latest audit entries, newest first."""
    return list(AuditEntry.objects.order_by("-created", "-dbid")[:limit])
