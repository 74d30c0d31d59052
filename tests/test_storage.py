"""The durable record: idempotent webhooks, monotonic statuses, opt-outs, audit."""

import pytest

from twilio_sms_mms.models.records import EarlyStatus, TextMessage
from twilio_sms_mms.services import storage
from twilio_sms_mms.services.webhooks import InboundMessage, StatusUpdate

PRACTICE = "+15550100001"
PATIENT = "+15550123456"


def outbound(sid: str = "SM" + "1" * 32, status: str = "queued") -> TextMessage:
    return storage.record_outbound(
        sid=sid,
        status=status,
        practice_number=PRACTICE,
        patient_number=PATIENT,
        body="See you at 9",
        media_urls=[],
        staff_id="s1",
        staff_name="Dr. Ana Reyes",
        patient_ids=["p1"],
    )


def update(status: str, code: int | None = None, sid: str = "SM" + "1" * 32) -> StatusUpdate:
    return StatusUpdate(
        message_sid=sid, status=status, error_code=code, number_from=PRACTICE, number_to=PATIENT
    )


def inbound(sid: str = "SM" + "9" * 32, body: str = "hello") -> InboundMessage:
    return InboundMessage(sid, PATIENT, PRACTICE, body, (), ())


def test_status_moves_forward_through_callbacks() -> None:
    outbound()

    assert storage.apply_status(update("sent")) is not None
    assert storage.apply_status(update("delivered")) is not None
    assert TextMessage.objects.get().status == "delivered"


@pytest.mark.parametrize("late", ["queued", "sending", "sent", "failed", "undelivered"])
def test_late_callbacks_never_regress_delivered(late: str) -> None:
    outbound()
    storage.apply_status(update("delivered"))

    assert storage.apply_status(update(late)) is None
    assert TextMessage.objects.get().status == "delivered"


def test_error_code_is_never_erased() -> None:
    outbound()
    storage.apply_status(update("undelivered", 30003))

    storage.apply_status(update("sent"))
    storage.apply_status(update("undelivered"))

    record = TextMessage.objects.get()
    assert (record.status, record.error_code) == ("undelivered", 30003)


def test_replayed_callback_changes_nothing() -> None:
    outbound()
    storage.apply_status(update("sent"))
    before = TextMessage.objects.get().updated

    assert storage.apply_status(update("sent")) is None
    assert TextMessage.objects.get().updated == before


def test_callback_for_an_unknown_message_is_ignored() -> None:
    assert storage.apply_status(update("delivered", sid="SM" + "5" * 32)) is None


def test_inbound_is_stored_once() -> None:
    first, created = storage.record_inbound(inbound(), ["p1"])
    again, created_again = storage.record_inbound(inbound(body="changed"), ["p1"])

    assert created and not created_again
    assert again.dbid == first.dbid and again.body == "hello"
    assert TextMessage.objects.count() == 1


def test_unread_count_and_mark_read() -> None:
    storage.record_inbound(inbound("SM" + "7" * 32), ["p1"])
    storage.record_inbound(inbound("SM" + "8" * 32), ["p1"])
    outbound()

    assert storage.unread_count([PATIENT]) == 2
    assert storage.mark_read([PATIENT]) == 2
    assert storage.unread_count([PATIENT]) == 0


def test_thread_is_oldest_first() -> None:
    outbound("SM" + "1" * 32)
    storage.record_inbound(inbound("SM" + "2" * 32), ["p1"])
    outbound("SM" + "3" * 32)

    assert [m.sid[-1] for m in storage.thread([PATIENT])] == ["1", "2", "3"]


def test_unmatched_lists_only_numbers_on_no_chart() -> None:
    storage.record_inbound(inbound("SM" + "7" * 32), [])
    storage.record_inbound(inbound("SM" + "8" * 32), ["p1"])

    assert [m.sid for m in storage.unmatched()] == ["SM" + "7" * 32]


def test_opt_out_and_back_in() -> None:
    storage.set_opt_out(PRACTICE, PATIENT, True, "keyword")
    assert storage.opted_out_pairs([PATIENT]) == {(PRACTICE, PATIENT)}

    storage.set_opt_out(PRACTICE, PATIENT, False, "keyword")
    assert storage.opted_out_pairs([PATIENT]) == set()


def test_audit_trail_newest_first() -> None:
    storage.audit("s1", "send", "SM1")
    storage.audit("s1", "delete", "SM1")

    assert [e.action for e in storage.audit_entries()] == ["delete", "send"]


def test_callback_before_the_send_is_recorded_is_applied_afterwards() -> None:
    storage.apply_status(update("sent"))
    storage.apply_status(update("delivered"))
    storage.apply_status(update("delivered"))

    record = outbound(status="queued")

    assert record.status == "delivered"
    assert TextMessage.objects.get().status == "delivered"
    assert EarlyStatus.objects.count() == 0


def test_early_error_code_survives() -> None:
    storage.apply_status(update("undelivered", 30003))

    record = outbound(status="queued")

    assert (record.status, record.error_code) == ("undelivered", 30003)
