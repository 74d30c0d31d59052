"""The practice inbox: one row per conversation (a patient's, or an unknown number's).

Rows live in `Conversation` and are kept current when a text is recorded (`record_activity`), so
the inbox reads at most 51 rows per page whatever the history holds. Triage (assign, take, done,
reopen, link) is audited and pushed on the Staff `inbox` channel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from http import HTTPStatus
from typing import TYPE_CHECKING

from canvas_sdk.effects.application_notification_badge import ApplicationNotificationBadge
from canvas_sdk.effects.patient.base import Patient as PatientEffect
from canvas_sdk.effects.patient.base import PatientContactPoint as ContactPointValue
from canvas_sdk.effects.simple_api import Broadcast
from canvas_sdk.v1.data import Patient, PatientContactPoint, Staff
from canvas_sdk.v1.data.common import ContactPointSystem, ContactPointUse
from django.db.models import F, Q
from django.db.transaction import atomic
from logger import log
from pydantic import ValidationError

from twilio_sms_mms.constants.settings import INBOX_APP_IDENTIFIER
from twilio_sms_mms.constants.statuses import Direction
from twilio_sms_mms.models.records import Conversation, MessageLink, TextMessage
from twilio_sms_mms.services import cursors, presenters, storage
from twilio_sms_mms.services.errors import ApiError, bad_request

if TYPE_CHECKING:
    from canvas_sdk.effects import Effect
    from django.db.models import QuerySet

INBOX_CHANNEL = "inbox"
PAGE_SIZE = 50
PREVIEW_CHARS = 160
KEY_PATTERN = re.compile(r"(patient:[A-Za-z0-9-]{1,64}|number:\+[1-9][0-9]{6,14})")
DIGITS = re.compile(r"[0-9][0-9 ().-]*")
STAFF_LIMIT = 500
PATIENT_SEARCH_LIMIT = 20


class ConversationStatus(StrEnum):
    """Whether someone still has to deal with a conversation."""

    OPEN = "open"
    DONE = "done"


class InboxFilter(StrEnum):
    """The inbox's filter tabs."""

    UNREAD = "unread"
    MINE = "mine"
    UNASSIGNED = "unassigned"
    DONE = "done"
    ALL = "all"


@dataclass(frozen=True)
class InboxQuery:
    """One inbox page request."""

    filter: InboxFilter
    staff_id: str
    search: str = ""
    cursor: str = ""


def patient_key(patient_id: str) -> str:
    """The conversation key of a patient."""
    return f"patient:{patient_id}"


def number_key(number: str) -> str:
    """The conversation key of a number on nobody's chart."""
    return f"number:{number}"


def preview(record: TextMessage) -> str:
    """The first line of the message, or a word for a text with only attachments."""
    first = (record.body or "").strip().split("\n", 1)[0].strip()
    if first:
        return first[:PREVIEW_CHARS]
    return "Attachment" if record.media_urls else ""


# Upkeep --------------------------------------------------------------------------------------


def record_activity(record: TextMessage, patient_ids: list[str]) -> list[Effect]:
    """A text was recorded: move its conversations to the top; an inbound one adds to the
    unread count and reopens a conversation marked done. Returns the `inbox` pushes."""
    keys = keep_activity(record, patient_ids)
    return push(keys, badge=record.direction == Direction.INBOUND)


def keep_activity(record: TextMessage, patient_ids: list[str]) -> list[str]:
    """The write side of `record_activity`; returns the conversation keys to push.

    Plain conditional UPDATEs when the conversations exist (the usual case); a conversation's
    first text creates its row. Run it in the transaction that records the text, after that
    transaction's first write: on SQLite, a transaction that reads before it writes fails at
    once ("database is locked") when another request writes meanwhile.
    """
    keys = [patient_key(pid) for pid in patient_ids] or [number_key(record.patient_number)]
    moment = datetime.now(UTC)
    found = move_activity(record, keys, moment)
    if found < len(keys):  # a first text, or (outbound) one older than the conversation's last
        existing = set(Conversation.objects.filter(key__in=keys).values_list("key", flat=True))
        missing = [key for key in keys if key not in existing]
        if missing:
            names = patient_names([k.split(":", 1)[1] for k in missing if k.startswith("patient")])
            Conversation.objects.bulk_create(
                [new_conversation(key, record, names, moment) for key in missing],
                ignore_conflicts=True,
            )
            move_activity(record, missing, moment)
    return keys


def move_activity(record: TextMessage, keys: list[str], moment: datetime) -> int:
    """Apply the text to these conversations; return how many rows the last UPDATE matched
    (for an inbound text: all that exist)."""
    rows = Conversation.objects.filter(key__in=keys)
    found = rows.filter(last_at__lte=record.created).update(
        last_sid=record.sid,
        last_preview=preview(record),
        last_direction=record.direction,
        last_at=record.created,
        patient_number=record.patient_number,
        practice_number=record.practice_number,
        updated=moment,
    )
    if record.direction == Direction.INBOUND:
        found = rows.update(unread=F("unread") + 1, status=ConversationStatus.OPEN, updated=moment)
    return found


def new_conversation(
    key: str, record: TextMessage, names: dict[str, str], moment: datetime
) -> Conversation:
    """A conversation row as of its first text (the update that follows fills the rest)."""
    patient_id = key.split(":", 1)[1] if key.startswith("patient:") else ""
    return Conversation(
        key=key,
        patient_id=patient_id,
        patient_number=record.patient_number,
        practice_number=record.practice_number,
        name=names.get(patient_id, ""),
        last_at=record.created,
        updated=moment,
    )


def mark_read(key: str) -> list[Effect]:
    """Someone opened the conversation: its unread count drops to zero."""
    return push([key]) if clear_unread(key) else []


def clear_unread(key: str) -> bool:
    """The write side of `mark_read`: True when the conversation had unread texts."""
    return Conversation.objects.filter(key=key, unread__gt=0).update(unread=0) > 0


def patient_names(patient_ids: list[str]) -> dict[str, str]:
    """'First Last' for these patients (one query)."""
    if not patient_ids:
        return {}
    rows = Patient.objects.filter(id__in=patient_ids).values_list("id", "first_name", "last_name")
    return {str(pid): f"{first or ''} {last or ''}".strip() for pid, first, last in rows}


# Reading -------------------------------------------------------------------------------------


def page(query: InboxQuery) -> dict:
    """One page of conversations, most recent activity first (two queries at most)."""
    rows = Conversation.objects.all()
    if query.filter == InboxFilter.UNREAD:
        rows = rows.filter(unread__gt=0)
    elif query.filter == InboxFilter.MINE:
        rows = rows.filter(assignee_id=query.staff_id, status=ConversationStatus.OPEN)
    elif query.filter == InboxFilter.UNASSIGNED:
        rows = rows.filter(assignee_id="", status=ConversationStatus.OPEN)
    elif query.filter == InboxFilter.DONE:
        rows = rows.filter(status=ConversationStatus.DONE)
    rows = search(rows, query.search)
    after = cursors.read(query.cursor)
    if after is not None:
        moment, dbid = after.moment, after.dbid
        rows = rows.filter(Q(last_at__lt=moment) | Q(last_at=moment, dbid__lt=dbid))
    found = list(rows.order_by("-last_at", "-dbid")[: PAGE_SIZE + 1])
    more = len(found) > PAGE_SIZE
    found = found[:PAGE_SIZE]
    return {
        "conversations": [conversation_json(row) for row in found],
        "nextCursor": make_cursor(found[-1]) if more else None,
        "unreadConversations": unread_conversations(),
    }


def search(rows: QuerySet[Conversation], text: str) -> QuerySet[Conversation]:
    """Narrow by the last digits of the number (digits only) or by the patient's name."""
    text = text.strip()[:64]
    if not text:
        return rows
    if DIGITS.fullmatch(text):
        digits = re.sub(r"[^0-9]", "", text)
        return rows.filter(patient_number__endswith=digits)
    return rows.filter(name__icontains=text)


def unread_conversations() -> int:
    """How many conversations hold unread texts (the inbox app's badge)."""
    return Conversation.objects.filter(unread__gt=0).count()


def make_cursor(row: Conversation) -> str:
    """The position after this row (see `cursors`)."""
    return cursors.Position(row.last_at, row.dbid).encode()


def conversation_json(row: Conversation) -> dict:
    """One inbox row as the UI reads it."""
    return {
        "id": row.key,
        "patientId": row.patient_id or None,
        "name": row.name,
        "number": row.patient_number,
        "practiceNumber": row.practice_number,
        "lastMessage": row.last_preview,
        "lastDirection": row.last_direction,
        "lastAt": presenters.iso(row.last_at),
        "unread": row.unread,
        "assignee": (
            {"id": row.assignee_id, "name": row.assignee_name} if row.assignee_id else None
        ),
        "status": row.status,
    }


def number_thread(
    key: str, earlier_than: cursors.Position | None = None
) -> tuple[dict, list[Effect]]:
    """The texts of a number on nobody's chart: the newest page (oldest first), whose reading
    clears the unread count, or the page before a cursor (`earlier_than`: no read marks)."""
    row = conversation(key)
    if row.patient_id:
        raise bad_request("this conversation is a patient's: open the patient's thread", "id")
    page = storage.number_thread_page(row.patient_number, earlier_than)
    body = {
        "messages": [presenters.thread_message(record) for record in page.messages],
        "earlierCursor": cursors.encode(page.earlier),
    }
    if earlier_than is not None:
        return body, []
    storage.mark_number_read(row.patient_number)
    effects = mark_read(key)
    row.refresh_from_db()
    return {"conversation": conversation_json(row), **body}, effects


# Triage --------------------------------------------------------------------------------------


def require_key(raw: str) -> str:
    """A conversation key from the path; 400 otherwise."""
    if not KEY_PATTERN.fullmatch(raw):
        raise bad_request("not a conversation id", "id")
    return raw


def conversation(key: str) -> Conversation:
    """The conversation, or 404."""
    row = Conversation.objects.filter(key=require_key(key)).first()
    if row is None:
        raise ApiError(HTTPStatus.NOT_FOUND, "No conversation with this id", field="id")
    return row


def assign(key: str, assignee_id: str, actor: str) -> tuple[dict, list[Effect]]:
    """Give the conversation to a staff member ("" unassigns); audited."""
    row = conversation(key)
    name = ""
    if assignee_id:
        staff = Staff.objects.filter(id=assignee_id).values_list("first_name", "last_name").first()
        if staff is None:
            raise bad_request("No staff member with this id", "staffId")
        name = f"{staff[0] or ''} {staff[1] or ''}".strip()
    return change(row, actor, "inbox_assign", assignee_id=assignee_id, assignee_name=name)


def set_status(key: str, status: ConversationStatus, actor: str) -> tuple[dict, list[Effect]]:
    """Mark the conversation done (or open again); audited."""
    action = "inbox_done" if status == ConversationStatus.DONE else "inbox_reopen"
    return change(conversation(key), actor, action, status=status)


def change(row: Conversation, actor: str, action: str, **fields: str) -> tuple[dict, list[Effect]]:
    """Apply a triage change, audit it, push it."""
    with atomic():
        Conversation.objects.filter(dbid=row.dbid).update(**fields, updated=datetime.now(UTC))
        storage.audit(actor, action, row.key)
    row.refresh_from_db()
    return {"conversation": conversation_json(row)}, push([row.key])


def link_number(
    key: str, patient_id: str, add_contact_point: bool, actor: str
) -> tuple[dict, list[Effect]]:
    """Link an unknown number's texts to a patient; optionally add the number to the chart.

    The texts join the patient's thread (link rows), the number's conversation merges into the
    patient's, and the change is audited. Canvas applies the contact point after the request.
    """
    row = conversation(key)
    if row.patient_id:
        raise bad_request("this conversation is already a patient's", "id")
    patient = Patient.objects.filter(id=patient_id).first()
    if patient is None:
        raise ApiError(HTTPStatus.NOT_FOUND, "No patient with this id", field="patientId")
    number = row.patient_number
    target = patient_key(str(patient.id))
    with atomic():
        records = list(TextMessage.objects.filter(patient_number=number, matched=False))
        MessageLink.objects.bulk_create(
            [
                MessageLink(
                    message_sid=record.sid,
                    patient_id=str(patient.id),
                    read=bool(record.read) or record.direction != Direction.INBOUND,
                    created=record.created,
                )
                for record in records
            ],
            ignore_conflicts=True,
        )
        for record in records:
            record.patient_ids = sorted({*(record.patient_ids or []), str(patient.id)})
            record.matched = True
        TextMessage.objects.bulk_update(records, ["patient_ids", "matched"])
        merge_into_patient(row, target, str(patient.id))
        storage.audit(actor, "inbox_link", f"{target}"[:64])
    effects = push([key, target])
    if add_contact_point:
        effects.append(contact_point_effect(str(patient.id), number))
        storage.audit(actor, "inbox_add_number", target[:64])
    merged = Conversation.objects.get(key=target)
    return {"conversation": conversation_json(merged), "linkedMessages": len(records)}, effects


def merge_into_patient(row: Conversation, target: str, patient_id: str) -> None:
    """The number's conversation becomes (or joins) the patient's."""
    existing = Conversation.objects.filter(key=target).first()
    if existing is None:
        Conversation.objects.filter(dbid=row.dbid).update(
            key=target, patient_id=patient_id, name=patient_names([patient_id]).get(patient_id, "")
        )
        return
    fields: dict[str, object] = {"unread": F("unread") + row.unread}
    if row.last_at > existing.last_at:
        fields |= {
            "last_sid": row.last_sid,
            "last_preview": row.last_preview,
            "last_direction": row.last_direction,
            "last_at": row.last_at,
            "patient_number": row.patient_number,
        }
    if row.unread:
        fields["status"] = ConversationStatus.OPEN
    Conversation.objects.filter(dbid=existing.dbid).update(**fields)
    Conversation.objects.filter(dbid=row.dbid).delete()


def contact_point_effect(patient_id: str, number: str) -> Effect:
    """Add the number to the patient's chart as a mobile phone, after the chart's others.

    The Patient effect replaces the contact point list, so the chart's current ones are sent
    with it (consent unknown for the new one).
    """
    points = list(PatientContactPoint.objects.filter(patient__id=patient_id).order_by("rank"))
    values = [
        ContactPointValue(
            system=ContactPointSystem(point.system),
            value=point.value,
            use=ContactPointUse(point.use),
            rank=point.rank,
            has_consent=point.has_consent,
        )
        for point in points
    ]
    values.append(
        ContactPointValue(
            system=ContactPointSystem.PHONE,
            value=number,
            use=ContactPointUse.MOBILE,
            rank=max([point.rank or 0 for point in points], default=0) + 1,
            has_consent=None,
        )
    )
    return PatientEffect(patient_id=patient_id, contact_points=values).update()


def staff_members() -> list[dict]:
    """Active Canvas staff, by last name (for the assign menu)."""
    rows = (
        Staff.objects.filter(active=True)
        .order_by("last_name", "first_name")
        .values_list("id", "first_name", "last_name")[:STAFF_LIMIT]
    )
    return [
        {"id": str(sid), "name": f"{first or ''} {last or ''}".strip()} for sid, first, last in rows
    ]


def find_patients(text: str) -> list[dict]:
    """Patients whose first or last name starts with the text (for "Link to patient")."""
    words = text.strip().split()[:2]
    if not words:
        return []
    rows = Patient.objects.all()
    for word in words:
        rows = rows.filter(Q(first_name__istartswith=word) | Q(last_name__istartswith=word))
    found = rows.order_by("last_name", "first_name").values_list(
        "id", "first_name", "last_name", "birth_date"
    )[:PATIENT_SEARCH_LIMIT]
    return [
        {"id": str(pid), "name": f"{first or ''} {last or ''}".strip(), "birthDate": str(born)}
        for pid, first, last, born in found
    ]


# Live ----------------------------------------------------------------------------------------


def push(keys: list[str], badge: bool = True) -> list[Effect]:
    """The `inbox` channel hears the rows as they are now, and the unread conversation count;
    `badge`: also set the inbox app's badge (not for an outbound text: it reads no text)."""
    rows = list(Conversation.objects.filter(key__in=keys))
    event = {
        "type": "conversations",
        "conversations": [conversation_json(row) for row in rows],
        "removed": sorted(set(keys) - {row.key for row in rows}),
        "unreadConversations": unread_conversations(),
    }
    effects = [Broadcast(channel=INBOX_CHANNEL, message=event).apply()]
    return effects + inbox_badge(event) if badge else effects


def inbox_badge(event: dict) -> list[Effect]:
    """The inbox app's badge: conversations with unread texts ([] if the app is not installed)."""
    try:
        badge = ApplicationNotificationBadge(application_identifier=INBOX_APP_IDENTIFIER)
        return [badge.broadcast(int(event["unreadConversations"]))]
    except ValidationError:
        log.warning("inbox badge skipped: the SMS inbox application is not installed")
        return []
