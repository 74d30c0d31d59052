"""Build the inbox's rows once from the history stored before the inbox existed.

Texts recorded since the upgrade keep their rows current themselves (`inbox.record_activity`);
this writes a row for every other patient with linked texts and every unknown number, with its
last message and unread count, then records itself in `DataMigration` so it never runs again.
Rows that already exist are left as they are.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.models import Count, Max, Q
from django.db.transaction import atomic

from twilio_sms_mms.constants.statuses import Direction
from twilio_sms_mms.models.records import Conversation, DataMigration, MessageLink, TextMessage
from twilio_sms_mms.services import inbox

NAME = "inbox_conversations_v1"


def backfill_once() -> int:
    """Write the missing rows (once per installation); return how many were written."""
    if DataMigration.objects.filter(name=NAME).exists():
        return 0
    moment = datetime.now(UTC)
    with atomic():
        rows = patient_rows(moment) + number_rows(moment)
        Conversation.objects.bulk_create(rows, ignore_conflicts=True)
        DataMigration.objects.bulk_create(
            [DataMigration(name=NAME, applied=moment)], ignore_conflicts=True
        )
    return len(rows)


def patient_rows(moment: datetime) -> list[Conversation]:
    """One row per patient with linked texts: the latest link's message, the unread links."""
    stats = MessageLink.objects.values("patient_id").annotate(
        last=Max("created"), unread=Count("dbid", filter=Q(read=False))
    )
    names = inbox.patient_names([row["patient_id"] for row in stats])
    rows = []
    for row in stats:
        patient_id = row["patient_id"]
        link = (
            MessageLink.objects.filter(patient_id=patient_id)
            .order_by("-created", "-dbid")
            .values_list("message_sid", flat=True)
            .first()
        )
        record = TextMessage.objects.filter(sid=link).first()
        if record is None:
            continue
        rows.append(row_for(inbox.patient_key(patient_id), record, row["unread"], moment))
        rows[-1].patient_id = patient_id
        rows[-1].name = names.get(patient_id, "")
    return rows


def number_rows(moment: datetime) -> list[Conversation]:
    """One row per number on nobody's chart: its latest text, its unread inbound texts."""
    stats = (
        TextMessage.objects.filter(matched=False, direction=Direction.INBOUND)
        .values("patient_number")
        .annotate(unread=Count("dbid", filter=Q(read=False)))
    )
    rows = []
    for row in stats:
        number = row["patient_number"]
        record = (
            TextMessage.objects.filter(patient_number=number, matched=False)
            .order_by("-created", "-dbid")
            .first()
        )
        if record is not None:
            rows.append(row_for(inbox.number_key(number), record, row["unread"], moment))
    return rows


def row_for(key: str, record: TextMessage, unread: int, moment: datetime) -> Conversation:
    """A conversation row whose last message is `record`."""
    return Conversation(
        key=key,
        patient_number=record.patient_number,
        practice_number=record.practice_number,
        last_sid=record.sid,
        last_preview=inbox.preview(record),
        last_direction=record.direction,
        last_at=record.created,
        unread=unread,
        updated=moment,
    )
