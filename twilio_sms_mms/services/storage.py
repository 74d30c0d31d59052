"""The one module that owns the plugin's stored data: messages and the patients they belong to,
send attempts, opt-outs and the audit trail.

Every write that two requests may race on is one atomic statement or an insert guarded by a
unique constraint (inside a savepoint, so a lost race never poisons the transaction), followed by
conditional updates: nothing here checks a row and then inserts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.db.transaction import atomic
from django.utils import timezone

from twilio_sms_mms.constants.statuses import STATUS_RANK, Direction, MessageStatus, advances
from twilio_sms_mms.models.records import (
    AuditEntry,
    DataMigration,
    MessageLink,
    OptOut,
    SendAttempt,
    TextMessage,
)
from twilio_sms_mms.services.cursors import Position

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from canvas_sdk.v1.data.base import CustomModel
    from django.db.models import QuerySet

    from twilio_sms_mms.services.webhooks import InboundMessage, StatusUpdate

THREAD_PAGE = 50  # messages per page of a conversation, newest first
NOT_SENT = "not_sent"  # an `unknown` send that Twilio never received (the plugin's own status)
SKELETON_TTL = timedelta(hours=24)
# A send still `pending` after this long lost its worker mid-request (the POST times out at 30 s).
PENDING_STALE = timedelta(minutes=2)
LINKS_MIGRATION = "message_links_v1"
# The one-off migrations this process has seen applied: never undone, so each is asked once.
APPLIED_MIGRATIONS: set[str] = set()
MIGRATION_BATCH = 500


class AttemptState:
    """Where a send attempt stands."""

    PENDING = "pending"
    SENT = "sent"
    UNKNOWN = "unknown"
    NOT_SENT = NOT_SENT


def now() -> datetime:
    """The current time, timezone-aware."""
    return timezone.now()


# Statuses ------------------------------------------------------------------------------------


def statuses_before(new: str) -> list[str]:
    """The stored statuses that `new` is progress over (what a conditional update may replace)."""
    return [status for status in STATUS_RANK if advances(status, new)]


def advance_status(sid: str, status: str, error_code: int | None) -> bool:
    """Move a message's status forward and set its first error code, in one statement."""
    progress = Q(status__in=statuses_before(status))
    if error_code is None:
        return (
            TextMessage.objects.filter(progress, sid=sid).update(status=status, updated=now()) > 0
        )
    return (
        TextMessage.objects.filter(progress | Q(error_code__isnull=True), sid=sid).update(
            status=Case(When(progress, then=Value(status)), default=F("status")),
            error_code=Coalesce(F("error_code"), Value(error_code)),
            updated=now(),
        )
        > 0
    )


def inserted(record: CustomModel) -> bool:
    """Insert a row; False (and nothing written) when its unique key exists already."""
    try:
        with atomic():  # a savepoint: the IntegrityError leaves the outer transaction usable
            record.save(force_insert=True)
    except IntegrityError:
        return False
    return True


@dataclass(frozen=True)
class StatusChange:
    """What a status callback did: the message's row, and whether its status or code moved."""

    record: TextMessage
    changed: bool

    @property
    def skeleton(self) -> bool:
        """True while no send has claimed the row (the callback came first)."""
        return self.record.recorded is False


def apply_status(update: StatusUpdate) -> StatusChange:
    """Apply a status callback, whatever the order of callbacks and of the send's record.

    The row is keyed by sid: an existing row only moves forward (never losing an error code); a
    callback that beats the send's record leaves a skeleton row that the record then claims.
    """
    sid = update.message_sid
    if advance_status(sid, update.status, update.error_code):
        return StatusChange(TextMessage.objects.get(sid=sid), True)
    existing = TextMessage.objects.filter(sid=sid).first()
    if existing is None:
        skeleton = new_skeleton(update)
        if inserted(skeleton):
            clean_skeletons()
            return StatusChange(skeleton, False)
    # The row exists now; the send's record may have stored it after the first update.
    if advance_status(sid, update.status, update.error_code):
        return StatusChange(TextMessage.objects.get(sid=sid), True)
    return StatusChange(existing or TextMessage.objects.get(sid=sid), False)


def new_skeleton(update: StatusUpdate) -> TextMessage:
    """The row a callback leaves when it comes before the send's record."""
    moment = now()
    return TextMessage(
        sid=update.message_sid,
        direction=Direction.OUTBOUND,
        practice_number=update.number_from,
        patient_number=update.number_to,
        status=update.status,
        error_code=update.error_code,
        patient_ids=[],
        matched=False,
        read=True,
        recorded=False,
        created=moment,
        updated=moment,
    )


def clean_skeletons() -> int:
    """Delete callback skeletons that no send claimed within a day."""
    cutoff = now() - SKELETON_TTL
    deleted, _ = TextMessage.objects.filter(recorded=False, created__lt=cutoff).delete()
    return deleted


# Messages and links --------------------------------------------------------------------------


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
    client_request_id: str | None = None,
    created: datetime | None = None,
    send_at: datetime | None = None,
) -> TextMessage:
    """Store a message the plugin sent (`send_at`: a scheduled text's time) and link it.

    If a status callback got there first, its skeleton row is filled in and keeps the more
    advanced status (and its error code).
    """
    moment = created or now()
    fields = {
        "direction": Direction.OUTBOUND,
        "practice_number": practice_number,
        "patient_number": patient_number,
        "body": body,
        "media_urls": media_urls,
        "media_types": [],
        "staff_id": staff_id,
        "staff_name": staff_name,
        "patient_ids": patient_ids,
        "matched": bool(patient_ids),
        "read": True,
        "recorded": True,
        "client_request_id": client_request_id,
        "created": moment,
        "send_at": send_at,
    }
    record = TextMessage(sid=sid, status=status, updated=now(), **fields)
    if not inserted(record):
        TextMessage.objects.filter(sid=sid, recorded=False).update(updated=now(), **fields)
        advance_status(sid, status, None)
        record = TextMessage.objects.get(sid=sid)
    link(sid, patient_ids, moment, read=True)
    return record


def record_inbound(inbound: InboundMessage, patient_ids: list[str]) -> tuple[TextMessage, bool]:
    """Store an inbound message once and link it; a replay returns the stored one, False."""
    moment = now()
    record = TextMessage(
        sid=inbound.message_sid,
        direction=Direction.INBOUND,
        practice_number=inbound.number_to,
        patient_number=inbound.number_from,
        body=inbound.body,
        media_urls=list(inbound.media_urls),
        media_types=list(inbound.media_types),
        status=MessageStatus.RECEIVED,
        patient_ids=patient_ids,
        matched=bool(patient_ids),
        read=False,
        recorded=True,
        created=moment,
        updated=moment,
    )
    if not inserted(record):
        return TextMessage.objects.get(sid=inbound.message_sid), False
    link(record.sid, patient_ids, moment, read=False)
    return record, True


def link(sid: str, patient_ids: list[str], created: datetime, read: bool) -> None:
    """Put a message in these patients' threads (a link that exists already is kept)."""
    MessageLink.objects.bulk_create(
        [
            MessageLink(message_sid=sid, patient_id=patient_id, read=read, created=created)
            for patient_id in patient_ids
        ],
        ignore_conflicts=True,
    )


def linked_patients(sid: str) -> list[str]:
    """The patients whose threads hold this message."""
    return sorted(MessageLink.objects.filter(message_sid=sid).values_list("patient_id", flat=True))


@dataclass(frozen=True)
class ThreadPage:
    """One page of a conversation: its messages oldest first, and where it starts (`earlier`:
    the position to read the page before it from; None when nothing is older)."""

    messages: list[TextMessage]
    earlier: Position | None


def before(position: Position | None) -> Q:
    """Rows strictly before a page's oldest row, newest-first order being (created, dbid).

    `created <= moment` lets the (…, created) index bound the scan; the OR settles equal times.
    """
    if position is None:
        return Q()
    moment = position.moment
    return Q(created__lte=moment) & (Q(created__lt=moment) | Q(dbid__lt=position.dbid))


def thread_page(
    patient_id: str, earlier_than: Position | None = None, size: int = THREAD_PAGE
) -> ThreadPage:
    """The patient's linked messages, newest `size` before a position (2 queries, any history).

    Pages by the link rows (index `messagelink_thread`: patient_id, created).
    """
    links = list(
        MessageLink.objects.filter(before(earlier_than), patient_id=patient_id)
        .order_by("-created", "-dbid")
        .values_list("message_sid", "created", "dbid")[: size + 1]
    )
    shown = links[:size]
    earlier = Position(shown[-1][1], shown[-1][2]) if len(links) > size else None
    sids = [sid for sid, _, _ in shown]
    records = {record.sid: record for record in TextMessage.objects.filter(sid__in=sids)}
    return ThreadPage([records[sid] for sid in reversed(sids) if sid in records], earlier)


def thread(patient_id: str) -> list[TextMessage]:
    """The patient's latest linked messages, oldest first (one page)."""
    return thread_page(patient_id).messages


def number_thread_page(
    number: str, earlier_than: Position | None = None, size: int = THREAD_PAGE
) -> ThreadPage:
    """Texts with a number on nobody's chart, newest `size` before a position (1 query).

    Index `textmessage_thread` (patient_number, created).
    """
    found = list(
        TextMessage.objects.filter(
            before(earlier_than), patient_number=number, matched=False
        ).order_by("-created", "-dbid")[: size + 1]
    )
    shown = found[:size]
    earlier = Position(shown[-1].created, shown[-1].dbid) if len(found) > size else None
    return ThreadPage(shown[::-1], earlier)


def mark_number_read(number: str) -> int:
    """Texts from a number on nobody's chart were read in the inbox; return how many changed."""
    return TextMessage.objects.filter(patient_number=number, matched=False, read=False).update(
        read=True
    )


def unread_count(patient_id: str) -> int:
    """How many texts linked to this patient nobody has opened in their chart yet."""
    return MessageLink.objects.filter(patient_id=patient_id, read=False).count()


def mark_read(patient_id: str) -> int:
    """Mark the patient's texts read; return how many changed."""
    return MessageLink.objects.filter(patient_id=patient_id, read=False).update(read=True)


def unmatched(limit: int = 100) -> list[TextMessage]:
    """Inbound messages from numbers on nobody's chart, newest first."""
    return list(
        TextMessage.objects.filter(direction=Direction.INBOUND, matched=False).order_by("-created")[
            :limit
        ]
    )


def recorded_sids(sids: list[str]) -> set[str]:
    """Which of these sids are messages the plugin recorded (not callback skeletons)."""
    return set(
        TextMessage.objects.filter(sid__in=sids)
        .exclude(recorded=False)
        .values_list("sid", flat=True)
    )


def thread_record(sid: str) -> TextMessage | None:
    """The stored message with this sid (or provisional key), if any."""
    return TextMessage.objects.filter(sid=sid).first()


def mark_deleted(sid: str) -> TextMessage | None:
    """The message was deleted at Twilio: keep its place in the thread, drop body and media."""
    TextMessage.objects.filter(sid=sid).update(
        body="", media_urls=[], media_types=[], deleted=True, updated=now()
    )
    return TextMessage.objects.filter(sid=sid).first()


# Scheduled texts ------------------------------------------------------------------------------


def scheduled_to(patient_numbers: list[str]) -> QuerySet[TextMessage]:
    """Outbound texts still scheduled to these numbers (lazy: narrow it or ask `.exists()`)."""
    return TextMessage.objects.filter(
        direction=Direction.OUTBOUND,
        status=MessageStatus.SCHEDULED,
        patient_number__in=patient_numbers,
    )


def mark_canceled(sid: str, reason: str) -> TextMessage | None:
    """Store `canceled` and who canceled in one conditional UPDATE; the row, or None when it was
    unknown, already past `canceled`, or canceled with a reason before (the first one stays)."""
    movable = [*statuses_before(MessageStatus.CANCELED), MessageStatus.CANCELED]
    changed = TextMessage.objects.filter(
        sid=sid, status__in=movable, canceled_by__isnull=True
    ).update(status=MessageStatus.CANCELED, canceled_by=reason, updated=now())
    return TextMessage.objects.get(sid=sid) if changed else None


def send_times(sids: list[str]) -> dict[str, datetime]:
    """The stored send time of each scheduled text among these sids (1 query, none for [])."""
    if not sids:
        return {}
    rows = TextMessage.objects.filter(sid__in=sids, send_at__isnull=False)
    return dict(rows.values_list("sid", "send_at"))


# Send attempts (exactly once) ----------------------------------------------------------------


def send_attempt(staff_id: str, client_request_id: str) -> SendAttempt | None:
    """The attempt stored under this idempotency key, if any."""
    return SendAttempt.objects.filter(
        staff_id=staff_id, client_request_id=client_request_id
    ).first()


def start_send_attempt(
    staff_id: str,
    client_request_id: str,
    fingerprint: str,
    practice_number: str,
    patient_number: str,
) -> SendAttempt | None:
    """Claim the idempotency key before calling Twilio; None when another request holds it."""
    moment = now()
    attempt = SendAttempt(
        staff_id=staff_id,
        client_request_id=client_request_id,
        fingerprint=fingerprint,
        state=AttemptState.PENDING,
        practice_number=practice_number,
        patient_number=patient_number,
        created=moment,
        updated=moment,
    )
    return attempt if inserted(attempt) else None


def drop_send_attempt(attempt: SendAttempt) -> None:
    """Nothing reached Twilio: free the key so the same draft can be sent again."""
    SendAttempt.objects.filter(dbid=attempt.dbid, state=AttemptState.PENDING).delete()


def finish_send_attempt(attempt: SendAttempt, sid: str, status: int, response: dict) -> None:
    """Keep the answer of a send that Twilio accepted, for replays of the same key."""
    SendAttempt.objects.filter(dbid=attempt.dbid).update(
        state=AttemptState.SENT,
        message_sid=sid,
        response_status=status,
        response=response,
        updated=now(),
    )


def provisional_sid(attempt: SendAttempt) -> str:
    """The key of an `unknown` send's message until Twilio's sid is known."""
    return f"attempt-{attempt.dbid}"


def record_unknown_send(
    attempt: SendAttempt,
    *,
    body: str,
    media_urls: list[str],
    staff_id: str,
    staff_name: str,
    patient_ids: list[str],
    response: dict,
    send_at: datetime | None = None,
) -> TextMessage | None:
    """Keep a send that may have left Twilio: shown in the thread as `unknown`, no sid.

    None when the attempt was no longer pending (another request recorded it first).
    """
    moment = attempt.created
    sid = provisional_sid(attempt)
    record = TextMessage(
        sid=sid,
        direction=Direction.OUTBOUND,
        practice_number=attempt.practice_number,
        patient_number=attempt.patient_number,
        body=body,
        media_urls=media_urls,
        status=MessageStatus.UNKNOWN,
        staff_id=staff_id,
        staff_name=staff_name,
        patient_ids=patient_ids,
        matched=bool(patient_ids),
        read=True,
        recorded=True,
        client_request_id=attempt.client_request_id,
        created=moment,
        updated=now(),
        send_at=send_at,
    )
    with atomic():
        claimed = SendAttempt.objects.filter(dbid=attempt.dbid, state=AttemptState.PENDING).update(
            state=AttemptState.UNKNOWN,
            message_sid=sid,
            response_status=202,
            response=response,
            updated=now(),
        )
        if not claimed:
            return None
        record.save(force_insert=True)
        link(sid, patient_ids, moment, read=True)
    return record


def is_stale(attempt: SendAttempt) -> bool:
    """True for a send left `pending` by a request that never finished."""
    return attempt.state == AttemptState.PENDING and now() - attempt.created > PENDING_STALE


def unknown_sends(practice_number: str) -> list[SendAttempt]:
    """The sends from a practice number whose fate is unknown, oldest first."""
    return list(
        SendAttempt.objects.filter(
            state=AttemptState.UNKNOWN, practice_number=practice_number
        ).order_by("created", "dbid")
    )


def open_sends(practice_number: str, patient_number: str) -> list[SendAttempt]:
    """Sends between these numbers that are unknown or under way right now."""
    under_way = Q(state=AttemptState.PENDING, created__gte=now() - PENDING_STALE)
    return list(
        SendAttempt.objects.filter(
            Q(state=AttemptState.UNKNOWN) | under_way,
            practice_number=practice_number,
            patient_number=patient_number,
        ).order_by("created", "dbid")
    )


def unknown_sends_by_sid(sids: list[str]) -> list[SendAttempt]:
    """The unknown sends whose provisional messages have these keys."""
    return list(
        SendAttempt.objects.filter(state=AttemptState.UNKNOWN, message_sid__in=sids).order_by(
            "created", "dbid"
        )
    )


def resolve_unknown_send(
    attempt: SendAttempt, sid: str, status: str, error_code: int | None, response: dict
) -> TextMessage | None:
    """Twilio has the send under `sid`: turn the provisional message into the real record.

    Returns the record, or None when another request resolved it first.
    """
    provisional = TextMessage.objects.filter(sid=provisional_sid(attempt)).first()
    if provisional is None or provisional.status != MessageStatus.UNKNOWN:
        return None
    with atomic():
        removed, _ = TextMessage.objects.filter(
            sid=provisional.sid, status=MessageStatus.UNKNOWN
        ).delete()
        if not removed:
            return None
        MessageLink.objects.filter(message_sid=provisional.sid).delete()
        record = record_outbound(
            sid=sid,
            status=status,
            practice_number=provisional.practice_number,
            patient_number=provisional.patient_number,
            body=provisional.body,
            media_urls=list(provisional.media_urls or []),
            staff_id=provisional.staff_id,
            staff_name=provisional.staff_name,
            patient_ids=list(provisional.patient_ids or []),
            client_request_id=provisional.client_request_id,
            created=provisional.created,
            send_at=provisional.send_at,
        )
        if error_code is not None:
            advance_status(sid, status, error_code)
            record = TextMessage.objects.get(sid=sid)
        finish_send_attempt(attempt, sid, 201, response)
    return record


def mark_not_sent(attempt: SendAttempt, response: dict) -> TextMessage | None:
    """Twilio never got the send: say so in the thread; None if it was settled meanwhile."""
    sid = provisional_sid(attempt)
    with atomic():
        changed = TextMessage.objects.filter(sid=sid, status=MessageStatus.UNKNOWN).update(
            status=NOT_SENT, updated=now()
        )
        if not changed:
            return None
        SendAttempt.objects.filter(dbid=attempt.dbid).update(
            state=AttemptState.NOT_SENT, response=response, updated=now()
        )
    return TextMessage.objects.get(sid=sid)


# Opt-outs ------------------------------------------------------------------------------------


def set_opt_out(
    practice_number: str,
    patient_number: str,
    opted_out: bool,
    source: str,
    event_at: datetime,
) -> bool:
    """Record a STOP/START (or Twilio's 21610) that happened at `event_at`.

    Events apply in the order they happened, not the order they arrive: an event older than the
    stored one, or a replay of it, changes nothing. Returns True when the event was applied.
    """
    moment = now()
    row = OptOut(
        practice_number=practice_number,
        patient_number=patient_number,
        opted_out=opted_out,
        source=source,
        updated=moment,
        event_at=event_at,
    )
    if inserted(row):
        return True
    older = Q(event_at__lt=event_at) | Q(event_at__isnull=True, updated__lt=event_at)
    applied = OptOut.objects.filter(
        older, practice_number=practice_number, patient_number=patient_number
    ).update(opted_out=opted_out, source=source, event_at=event_at, updated=moment)
    return applied > 0


def opted_out_pairs(patient_numbers: list[str]) -> set[tuple[str, str]]:
    """The (practice number, patient number) pairs currently opted out."""
    rows = OptOut.objects.filter(patient_number__in=patient_numbers, opted_out=True)
    return {(row.practice_number, row.patient_number) for row in rows}


# One-off migration ---------------------------------------------------------------------------


def links_migrated() -> bool:
    """True once the messages stored before the link table have their links."""
    if LINKS_MIGRATION in APPLIED_MIGRATIONS:
        return True
    if not DataMigration.objects.filter(name=LINKS_MIGRATION).exists():
        return False
    APPLIED_MIGRATIONS.add(LINKS_MIGRATION)
    return True


def migrate_links(owners_of: Callable[[list[str]], dict[str, list[str]]]) -> int:
    """Link every message stored before the link table existed; idempotent, runs once.

    A message keeps the patients recorded with it; one recorded without any goes to the
    patients who have its number on their chart now. Returns how many links were written.
    """
    if links_migrated():
        return 0
    linked = MessageLink.objects.values("message_sid")
    pending = TextMessage.objects.exclude(sid__in=linked).exclude(recorded=False)
    written, last = 0, 0
    while True:
        rows = list(pending.filter(dbid__gt=last).order_by("dbid")[:MIGRATION_BATCH])
        if not rows:
            break
        last = rows[-1].dbid
        owners = owners_of(sorted({row.patient_number for row in rows if not row.patient_ids}))
        links = []
        for row in rows:
            patient_ids = list(row.patient_ids or []) or owners.get(row.patient_number, [])
            if patient_ids and not row.patient_ids:
                TextMessage.objects.filter(dbid=row.dbid).update(
                    patient_ids=patient_ids, matched=True
                )
            read = row.direction != Direction.INBOUND or bool(row.read)
            links += [
                MessageLink(message_sid=row.sid, patient_id=pid, read=read, created=row.created)
                for pid in patient_ids
            ]
        MessageLink.objects.bulk_create(links, ignore_conflicts=True)
        written += len(links)
    DataMigration.objects.bulk_create(
        [DataMigration(name=LINKS_MIGRATION, applied=now())], ignore_conflicts=True
    )
    APPLIED_MIGRATIONS.add(LINKS_MIGRATION)
    return written


# Audit ---------------------------------------------------------------------------------------


def audit(staff_id: str, action: str, target: str) -> None:
    """Append to the audit trail."""
    AuditEntry.objects.create(staff_id=staff_id, action=action, target=target, created=now())


def audit_entries(limit: int = 200) -> list[AuditEntry]:
    """The latest audit entries, newest first."""
    return list(AuditEntry.objects.order_by("-created", "-dbid")[:limit])
