"""The durable record: idempotent webhooks, monotonic statuses, links, opt-out order, audit."""

from datetime import timedelta

import pytest

from twilio_sms_mms.models.records import MessageLink, OptOut, TextMessage
from twilio_sms_mms.services import storage
from twilio_sms_mms.services.webhooks import InboundMessage, StatusUpdate

PRACTICE = "+15550100001"
PATIENT = "+15550123456"
SID = "SM" + "1" * 32


def outbound(sid: str = SID, status: str = "queued", patient_ids: tuple = ("p1",)) -> TextMessage:
    return storage.record_outbound(
        sid=sid,
        status=status,
        practice_number=PRACTICE,
        patient_number=PATIENT,
        body="See you at 9",
        media_urls=[],
        staff_id="s1",
        staff_name="Dr. Ana Reyes",
        patient_ids=list(patient_ids),
    )


def update(status: str, code: int | None = None, sid: str = SID) -> StatusUpdate:
    return StatusUpdate(
        message_sid=sid, status=status, error_code=code, number_from=PRACTICE, number_to=PATIENT
    )


def inbound(sid: str = "SM" + "9" * 32, body: str = "hello") -> InboundMessage:
    return InboundMessage(sid, PATIENT, PRACTICE, body, (), ())


def test_status_moves_forward_through_callbacks() -> None:
    outbound()

    assert storage.apply_status(update("sent")).changed
    assert storage.apply_status(update("delivered")).changed
    assert TextMessage.objects.get().status == "delivered"


@pytest.mark.parametrize("late", ["queued", "sending", "sent", "failed", "undelivered"])
def test_late_callbacks_never_regress_delivered(late: str) -> None:
    outbound()
    storage.apply_status(update("delivered"))

    assert not storage.apply_status(update(late)).changed
    assert TextMessage.objects.get().status == "delivered"


def test_read_receipt_follows_delivered() -> None:
    outbound()
    storage.apply_status(update("delivered"))

    assert storage.apply_status(update("read")).changed
    assert TextMessage.objects.get().status == "read"


def test_error_code_is_never_erased() -> None:
    outbound()
    storage.apply_status(update("undelivered", 30003))

    storage.apply_status(update("sent"))
    storage.apply_status(update("undelivered"))
    storage.apply_status(update("undelivered", 30005))

    record = TextMessage.objects.get()
    assert (record.status, record.error_code) == ("undelivered", 30003)


def test_replayed_callback_changes_nothing() -> None:
    outbound()
    storage.apply_status(update("sent"))
    before = TextMessage.objects.get().updated

    assert not storage.apply_status(update("sent")).changed
    assert TextMessage.objects.get().updated == before
    assert TextMessage.objects.count() == 1


def test_inbound_is_stored_once() -> None:
    first, created = storage.record_inbound(inbound(), ["p1"])
    again, created_again = storage.record_inbound(inbound(body="changed"), ["p1"])

    assert created and not created_again
    assert again.dbid == first.dbid and again.body == "hello"
    assert TextMessage.objects.count() == 1
    assert MessageLink.objects.count() == 1


def test_unread_is_per_patient() -> None:
    storage.record_inbound(inbound("SM" + "7" * 32), ["p1", "p2"])
    storage.record_inbound(inbound("SM" + "8" * 32), ["p1", "p2"])
    outbound(patient_ids=("p1",))

    assert storage.unread_count("p1") == 2
    assert storage.mark_read("p1") == 2
    assert (storage.unread_count("p1"), storage.unread_count("p2")) == (0, 2)


def test_thread_is_the_patients_links_oldest_first() -> None:
    outbound("SM" + "1" * 32)
    storage.record_inbound(inbound("SM" + "2" * 32), ["p1"])
    outbound("SM" + "3" * 32)
    outbound("SM" + "4" * 32, patient_ids=("p2",))

    assert [m.sid[-1] for m in storage.thread("p1")] == ["1", "2", "3"]
    assert [m.sid[-1] for m in storage.thread("p2")] == ["4"]


def test_unmatched_lists_only_numbers_on_no_chart() -> None:
    storage.record_inbound(inbound("SM" + "7" * 32), [])
    storage.record_inbound(inbound("SM" + "8" * 32), ["p1"])

    assert [m.sid for m in storage.unmatched()] == ["SM" + "7" * 32]


def test_audit_trail_newest_first() -> None:
    storage.audit("s1", "send", "SM1")
    storage.audit("s1", "delete", "SM1")

    assert [e.action for e in storage.audit_entries()] == ["delete", "send"]


# Callbacks before the send's record: one row keyed by sid ------------------------------------


def test_callback_before_the_record_leaves_a_skeleton_that_the_record_claims() -> None:
    assert storage.apply_status(update("sent")).skeleton
    storage.apply_status(update("delivered"))
    storage.apply_status(update("delivered"))

    record = outbound(status="queued")

    assert (record.status, record.body, record.recorded) == ("delivered", "See you at 9", True)
    assert TextMessage.objects.count() == 1
    assert [m.sid for m in storage.thread("p1")] == [SID]


def test_early_error_code_survives_the_record() -> None:
    storage.apply_status(update("undelivered", 30003))

    record = outbound(status="queued")

    assert (record.status, record.error_code) == ("undelivered", 30003)


@pytest.mark.parametrize(
    "order",
    [
        ("record", "sent", "delivered"),
        ("sent", "record", "delivered"),
        ("delivered", "sent", "record"),
        ("delivered", "record", "sent"),
        ("sent", "delivered", "record", "record"),
    ],
)
def test_any_order_ends_on_the_most_advanced_status(order: tuple[str, ...]) -> None:
    for event in order:
        if event == "record":
            outbound(status="queued")
        else:
            storage.apply_status(update(event))

    record = TextMessage.objects.get()
    assert (record.status, record.recorded) == ("delivered", True)
    assert MessageLink.objects.count() == 1


def test_skeletons_nobody_claims_are_cleaned_after_a_day() -> None:
    storage.apply_status(update("sent", sid="SM" + "5" * 32))
    TextMessage.objects.update(created=storage.now() - timedelta(hours=25))

    storage.apply_status(update("sent", sid="SM" + "6" * 32))  # a new skeleton sweeps old ones

    assert list(TextMessage.objects.values_list("sid", flat=True)) == ["SM" + "6" * 32]


def test_skeletons_are_not_in_any_thread_or_unmatched() -> None:
    storage.apply_status(update("delivered", sid="SM" + "5" * 32))

    assert storage.thread("p1") == [] and storage.unmatched() == []


# Opt-out events apply in the order they happened -------------------------------------------


def test_opt_out_and_back_in() -> None:
    stop = storage.now()
    storage.set_opt_out(PRACTICE, PATIENT, True, "keyword", stop)
    assert storage.opted_out_pairs([PATIENT]) == {(PRACTICE, PATIENT)}

    storage.set_opt_out(PRACTICE, PATIENT, False, "keyword", stop + timedelta(seconds=5))
    assert storage.opted_out_pairs([PATIENT]) == set()


def test_an_older_event_arriving_late_changes_nothing() -> None:
    start = storage.now()
    storage.set_opt_out(PRACTICE, PATIENT, False, "keyword", start)

    applied = storage.set_opt_out(
        PRACTICE, PATIENT, True, "twilio_21610", start - timedelta(minutes=1)
    )

    assert not applied
    assert storage.opted_out_pairs([PATIENT]) == set()


def test_rows_from_before_event_times_compare_by_their_update_time() -> None:
    OptOut.objects.create(
        practice_number=PRACTICE,
        patient_number=PATIENT,
        opted_out=False,
        source="keyword",
        updated=storage.now(),
        event_at=None,
    )

    storage.set_opt_out(PRACTICE, PATIENT, True, "twilio_21610", storage.now() - timedelta(hours=1))
    assert storage.opted_out_pairs([PATIENT]) == set()

    storage.set_opt_out(PRACTICE, PATIENT, True, "keyword", storage.now() + timedelta(seconds=1))
    assert storage.opted_out_pairs([PATIENT]) == {(PRACTICE, PATIENT)}


# Delete ------------------------------------------------------------------------------------


def test_a_deleted_message_keeps_its_place_without_body_or_media() -> None:
    storage.record_inbound(
        InboundMessage(SID, PATIENT, PRACTICE, "photo", ("https://x/ME1",), ("image/png",)),
        ["p1", "p2"],
    )

    record = storage.mark_deleted(SID)

    assert record is not None
    assert (record.body, record.media_urls, record.deleted) == ("", [], True)
    assert storage.linked_patients(SID) == ["p1", "p2"]


# Migration of rows stored before the link table ---------------------------------------------


def old_row(sid: str, patient_ids: list[str], direction: str = "inbound", read: bool = False):
    moment = storage.now()
    return TextMessage.objects.create(
        sid=sid,
        direction=direction,
        practice_number=PRACTICE,
        patient_number=PATIENT,
        body="old",
        status="received",
        patient_ids=patient_ids,
        matched=bool(patient_ids),
        read=read,
        recorded=None,
        deleted=None,
        created=moment,
        updated=moment,
    )


def test_migration_links_old_rows_once() -> None:
    old_row("SM" + "1" * 32, ["p1"])
    old_row("SM" + "2" * 32, [])  # stored without patients: goes to today's owners
    old_row("SM" + "3" * 32, ["p1", "p2"], direction="outbound", read=True)
    owners_asked: list[list[str]] = []

    def owners_of(numbers: list[str]) -> dict[str, list[str]]:
        owners_asked.append(numbers)
        return {PATIENT: ["p3"]}

    written = storage.migrate_links(owners_of)
    again = storage.migrate_links(owners_of)

    assert (written, again) == (4, 0)
    assert owners_asked == [[PATIENT]]
    assert [m.sid[-1] for m in storage.thread("p1")] == ["1", "3"]
    assert [m.sid[-1] for m in storage.thread("p3")] == ["2"]
    assert (storage.unread_count("p1"), storage.unread_count("p3")) == (1, 1)
    assert TextMessage.objects.get(sid="SM" + "2" * 32).patient_ids == ["p3"]
    assert storage.links_migrated()
