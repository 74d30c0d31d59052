"""The practice inbox through the SimpleAPI handler: list, filters, search, paging, triage,
linking an unknown number, permissions, the `inbox` channel and the after-hours reply."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from canvas_sdk.effects import EffectType
from canvas_sdk.test_utils.factories import PatientFactory, StaffFactory
from canvas_sdk.v1.data import Patient
from pytest_mock import MockerFixture

from tests.plugin_harness import PATIENT_SESSION, SECRETS, FakeTwilioHttp, RouteResult, call_route
from tests.test_patient_texting import add_phone
from tests.test_webhooks import inbound_params, post_signed
from twilio_sms_mms.models.records import AuditEntry, Conversation, MessageLink, TextMessage
from twilio_sms_mms.services import storage

MOBILE = "+15550123456"
STRANGER = "+15550177777"
HOURS = '{"mon": ["08:00-17:00"], "tue": ["08:00-17:00"], "holidays": ["2026-12-25"]}'
AFTER_HOURS_SECRETS = SECRETS | {
    "AutoReplyText": "Thanks, we will answer soon",
    "AfterHoursReplyText": "We are closed; we answer tomorrow",
    "OfficeHours": HOURS,
    "PracticeTimeZone": "America/New_York",
}


@pytest.fixture
def ana() -> dict[str, str]:
    staff = StaffFactory(first_name="Ana", last_name="Reyes")
    return {"canvas-logged-in-user-type": "Staff", "canvas-logged-in-user-id": str(staff.id)}


@pytest.fixture
def maria() -> Patient:
    patient = PatientFactory(first_name="Maria", last_name="Lopez")
    add_phone(patient, MOBILE)
    return patient


_counter = iter(range(1, 1_000_000))


def text_in(body: str = "Hello", number: str = MOBILE, secrets: dict | None = None) -> RouteResult:
    """A signed inbound text with a fresh sid."""
    sid = f"SM{next(_counter):032x}"
    params = inbound_params(body, From=number, MessageSid=sid, SmsSid=sid, SmsMessageSid=sid)
    return post_signed("/inbound_treatment", params, secrets=secrets)


def inbox(headers: dict, **query: str) -> dict:
    result = call_route(
        "GET", "/inbox", query="&".join(f"{k}={v}" for k, v in query.items()), headers=headers
    )
    assert result.status == 200, result.body
    return result.json()


def act(headers: dict, key: str, action: str, body: dict | None = None) -> RouteResult:
    return call_route(
        "POST", f"/inbox/conversations/{key}/{action}", body=body or {}, headers=headers
    )


def inbox_events(result: RouteResult) -> list[dict]:
    return [
        json.loads(e.payload)["data"]["message"]
        for e in result.effects
        if e.type == EffectType.SIMPLE_API_WEBSOCKET_BROADCAST
        and json.loads(e.payload)["data"]["channel"] == "inbox"
    ]


def reply_of(result: RouteResult) -> str:
    text = result.body.decode()
    return text.split("<Message>")[1].split("</Message>")[0] if "<Message>" in text else ""


def at_local(text: str) -> datetime:
    """A New York wall-clock time as UTC."""
    from zoneinfo import ZoneInfo

    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("America/New_York")).astimezone(UTC)


# The list ------------------------------------------------------------------------------------


def test_one_row_per_patient_and_per_unknown_number(ana: dict, maria: Patient) -> None:
    text_in("First line\nsecond line")
    text_in("again")
    text_in("who is this?", number=STRANGER)

    rows = inbox(ana)["conversations"]

    assert [row["id"] for row in rows] == [f"number:{STRANGER}", f"patient:{maria.id}"]
    stranger, patient = rows
    assert stranger["name"] == ""
    assert stranger["number"] == STRANGER
    assert stranger["patientId"] is None
    assert patient["name"] == "Maria Lopez"
    assert patient["lastMessage"] == "again"
    assert patient["unread"] == 2
    assert patient["status"] == "open"
    assert patient["assignee"] is None


def test_last_message_is_its_first_line(ana: dict, maria: Patient) -> None:
    text_in("Running late\nsee you at 3")

    assert inbox(ana)["conversations"][0]["lastMessage"] == "Running late"


def test_reading_the_patients_thread_clears_the_unread_count(ana: dict, maria: Patient) -> None:
    text_in("hi")

    result = call_route("GET", f"/patients/{maria.id}/thread", headers=ana)

    assert inbox(ana)["conversations"][0]["unread"] == 0
    assert inbox_events(result)[0]["unreadConversations"] == 0


def test_filters(ana: dict, maria: Patient) -> None:
    other = PatientFactory(first_name="Leo", last_name="Diaz")
    add_phone(other, "+15550999999")
    text_in("from maria")
    text_in("from leo", number="+15550999999")
    text_in("stranger", number=STRANGER)
    act(ana, f"patient:{maria.id}", "take")
    act(ana, f"patient:{other.id}", "done")
    call_route("GET", f"/patients/{maria.id}/thread", headers=ana)  # read

    def ids(filter_: str) -> list[str]:
        return [row["id"] for row in inbox(ana, filter=filter_)["conversations"]]

    assert ids("unread") == [f"number:{STRANGER}", f"patient:{other.id}"]
    assert ids("mine") == [f"patient:{maria.id}"]
    assert ids("unassigned") == [f"number:{STRANGER}"]
    assert ids("done") == [f"patient:{other.id}"]
    assert len(ids("all")) == 3


def test_search_by_name_or_last_digits(ana: dict, maria: Patient) -> None:
    text_in("hello")
    text_in("stranger", number=STRANGER)

    assert [r["id"] for r in inbox(ana, q="lop")["conversations"]] == [f"patient:{maria.id}"]
    assert [r["id"] for r in inbox(ana, q="7777")["conversations"]] == [f"number:{STRANGER}"]
    assert inbox(ana, q="0000")["conversations"] == []


def test_cursor_pages_of_fifty_without_gaps_or_repeats(ana: dict) -> None:
    moment = datetime(2026, 12, 1, tzinfo=UTC)
    Conversation.objects.bulk_create(
        [
            Conversation(
                key=f"number:+1555020{i:04d}",
                patient_number=f"+1555020{i:04d}",
                # Pairs share a timestamp: the dbid breaks the tie.
                last_at=moment + timedelta(minutes=i // 2),
                updated=moment,
            )
            for i in range(120)
        ]
    )
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        answer = inbox(ana, **({"cursor": cursor} if cursor else {}))
        pages += 1
        assert len(answer["conversations"]) <= 50
        seen += [row["id"] for row in answer["conversations"]]
        cursor = answer["nextCursor"]
        if not cursor:
            break

    assert pages == 3
    assert len(seen) == 120
    assert len(set(seen)) == 120
    assert seen[0] == "number:+15550200119"


@pytest.mark.parametrize(
    "query", ["filter=everything", "cursor=abc", "cursor=1.2.3", f"q={'x' * 65}"]
)
def test_bad_list_requests_are_400(ana: dict, query: str) -> None:
    result = call_route("GET", "/inbox", query=query, headers=ana)

    assert result.status == 400


# Triage --------------------------------------------------------------------------------------


def test_assign_take_done_and_reopen_on_a_new_text(ana: dict, maria: Patient) -> None:
    text_in("hello")
    key = f"patient:{maria.id}"
    bea = StaffFactory(first_name="Bea", last_name="Kim")

    assigned = act(ana, key, "assign", {"staffId": str(bea.id)})
    assert assigned.status == 200
    assert assigned.json()["conversation"]["assignee"] == {"id": str(bea.id), "name": "Bea Kim"}
    assert inbox_events(assigned)[0]["conversations"][0]["assignee"]["id"] == str(bea.id)

    taken = act(ana, key, "take").json()["conversation"]
    assert taken["assignee"]["name"] == "Ana Reyes"

    done = act(ana, key, "done")
    assert done.json()["conversation"]["status"] == "done"

    reopened = text_in("one more thing")
    assert inbox(ana)["conversations"][0]["status"] == "open"
    assert inbox_events(reopened)[0]["conversations"][0]["status"] == "open"

    unassigned = act(ana, key, "assign", {"staffId": None}).json()["conversation"]
    assert unassigned["assignee"] is None
    actions = list(
        AuditEntry.objects.filter(target=key).order_by("dbid").values_list("action", flat=True)
    )
    assert actions == ["inbox_assign", "inbox_assign", "inbox_done", "inbox_assign"]


def test_an_outbound_send_does_not_reopen_or_count_unread(ana: dict, maria: Patient) -> None:
    text_in("hello")
    key = f"patient:{maria.id}"
    act(ana, key, "done")
    record = storage.record_outbound(
        sid="SM" + "f" * 32,
        status="queued",
        practice_number="+15550100001",
        patient_number=MOBILE,
        body="See you then",
        media_urls=[],
        staff_id="s",
        staff_name="Ana",
        patient_ids=[str(maria.id)],
    )
    from twilio_sms_mms.services import inbox as inbox_service

    inbox_service.record_activity(record, [str(maria.id)])

    row = inbox(ana)["conversations"][0]
    assert row["lastMessage"] == "See you then"
    assert row["lastDirection"] == "outbound"
    assert row["status"] == "done"
    assert row["unread"] == 1


@pytest.mark.parametrize(
    ("action", "body", "status"),
    [
        ("assign", {"staffId": "no-such-staff"}, 400),
        ("assign", {"staffId": 5}, 400),
        ("explode", {}, 404),
        ("link", {"patientId": "nope nope"}, 400),
    ],
)
def test_bad_triage_requests(
    ana: dict, maria: Patient, action: str, body: dict, status: int
) -> None:
    text_in("hello")

    assert act(ana, f"patient:{maria.id}", action, body).status == status


def test_unknown_conversation_is_404_and_bad_key_400(ana: dict) -> None:
    assert act(ana, "patient:abc", "done").status == 404
    assert act(ana, "bogus", "done").status == 400


def test_link_an_unknown_number_to_a_patient(ana: dict, maria: Patient) -> None:
    leo = PatientFactory(first_name="Leo", last_name="Diaz")
    text_in("this is Leo, new phone", number=STRANGER)
    text_in("hello?", number=STRANGER)

    result = act(ana, f"number:{STRANGER}", "link", {"patientId": str(leo.id)})

    assert result.status == 200, result.body
    assert result.json()["linkedMessages"] == 2
    assert result.json()["conversation"]["id"] == f"patient:{leo.id}"
    assert result.json()["conversation"]["name"] == "Leo Diaz"
    assert MessageLink.objects.filter(patient_id=str(leo.id)).count() == 2
    assert not TextMessage.objects.filter(patient_number=STRANGER, matched=False).exists()
    assert [r["id"] for r in inbox(ana)["conversations"]] == [f"patient:{leo.id}"]
    thread = call_route("GET", f"/patients/{leo.id}/thread", headers=ana).json()
    assert [m["body"] for m in thread["messages"]] == ["this is Leo, new phone", "hello?"]
    assert not any(e.type == EffectType.UPDATE_PATIENT for e in result.effects)
    assert AuditEntry.objects.filter(action="inbox_link").count() == 1


def test_link_merges_into_an_existing_patient_conversation(ana: dict, maria: Patient) -> None:
    text_in("from the chart number")
    text_in("from a new number", number=STRANGER)

    result = act(ana, f"number:{STRANGER}", "link", {"patientId": str(maria.id)})

    row = result.json()["conversation"]
    assert row["unread"] == 2
    assert row["lastMessage"] == "from a new number"
    assert Conversation.objects.count() == 1


def test_link_can_add_the_number_to_the_chart(ana: dict, maria: Patient) -> None:
    text_in("new phone", number=STRANGER)

    result = act(
        ana,
        f"number:{STRANGER}",
        "link",
        {"patientId": str(maria.id), "addContactPoint": True},
    )

    updates = [json.loads(e.payload) for e in result.effects if e.type == EffectType.UPDATE_PATIENT]
    assert len(updates) == 1
    points = updates[0]["data"]["contact_points"]
    assert [p["value"] for p in points] == [MOBILE, STRANGER]
    assert points[-1] == {
        "system": "phone",
        "value": STRANGER,
        "use": "mobile",
        "rank": 2,
        "has_consent": None,
    }


def test_unknown_number_thread(ana: dict) -> None:
    text_in("one", number=STRANGER)
    text_in("two", number=STRANGER)

    result = call_route("GET", f"/inbox/conversations/number:{STRANGER}/thread", headers=ana)

    assert [m["body"] for m in result.json()["messages"]] == ["one", "two"]
    assert not TextMessage.objects.filter(patient_number=STRANGER, read=False).exists()
    assert result.json()["conversation"]["unread"] == 0
    assert inbox(ana)["unreadConversations"] == 0
    assert inbox_events(result)[0]["conversations"][0]["unread"] == 0


def test_staff_and_patient_search(ana: dict, maria: Patient) -> None:
    staff = call_route("GET", "/inbox/staff", headers=ana).json()["staff"]
    found = call_route("GET", "/inbox/patients", query="q=mar%20lo", headers=ana).json()

    assert "Ana Reyes" in [member["name"] for member in staff]
    assert [p["id"] for p in found["patients"]] == [str(maria.id)]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/inbox"),
        ("GET", "/inbox/staff"),
        ("GET", "/inbox/patients"),
        ("POST", "/inbox/conversations/patient:abc/done"),
    ],
)
@pytest.mark.parametrize("headers", [{}, PATIENT_SESSION])
def test_staff_only(method: str, path: str, headers: dict) -> None:
    assert call_route(method, path, headers=headers).status == 401


# After hours ---------------------------------------------------------------------------------


@pytest.fixture
def clock(mocker: MockerFixture) -> Any:
    """Set the moment the plugin records texts at."""

    class Clock:
        def set(self, moment: datetime) -> None:
            mocker.patch("twilio_sms_mms.services.storage.now", return_value=moment)

    return Clock()


def test_after_hours_reply_out_of_hours_and_auto_reply_in_hours(clock: Any, maria: Patient) -> None:
    clock.set(at_local("2026-12-07T22:00"))  # Monday evening
    assert reply_of(text_in(secrets=AFTER_HOURS_SECRETS)) == "We are closed; we answer tomorrow"

    clock.set(at_local("2026-12-08T10:00"))  # Tuesday morning, 12 h later
    assert reply_of(text_in(secrets=AFTER_HOURS_SECRETS)) == "Thanks, we will answer soon"


def test_holiday_gets_the_after_hours_reply(clock: Any, maria: Patient) -> None:
    clock.set(at_local("2026-12-25T10:00"))

    assert reply_of(text_in(secrets=AFTER_HOURS_SECRETS)) == "We are closed; we answer tomorrow"


def test_one_automatic_reply_per_number_per_quiet_window(clock: Any, maria: Patient) -> None:
    clock.set(at_local("2026-12-07T22:00"))
    assert reply_of(text_in(secrets=AFTER_HOURS_SECRETS))
    clock.set(at_local("2026-12-08T09:59"))  # 11 h 59 min later, in hours
    assert reply_of(text_in(secrets=AFTER_HOURS_SECRETS)) == ""
    # Another number is not throttled by Maria's.
    assert reply_of(text_in(number=STRANGER, secrets=AFTER_HOURS_SECRETS))


def test_a_replayed_webhook_gets_its_first_answer_again(clock: Any, maria: Patient) -> None:
    clock.set(at_local("2026-12-07T22:00"))
    params = inbound_params("late", MessageSid="SM" + "e" * 32)

    first = post_signed("/inbound_treatment", params, secrets=AFTER_HOURS_SECRETS)
    again = post_signed("/inbound_treatment", params, secrets=AFTER_HOURS_SECRETS)

    assert reply_of(first) == reply_of(again) == "We are closed; we answer tomorrow"


@pytest.mark.parametrize("keyword", ["STOP", "START", "HELP", "unsubscribe"])
def test_keywords_never_get_an_automatic_reply(clock: Any, maria: Patient, keyword: str) -> None:
    clock.set(at_local("2026-12-07T22:00"))

    reply = reply_of(text_in(keyword, secrets=AFTER_HOURS_SECRETS))

    assert reply == ""
    # ...and a keyword does not start the quiet window.
    assert reply_of(text_in("a question", secrets=AFTER_HOURS_SECRETS))


def test_invalid_office_hours_record_the_text_without_any_reply(
    clock: Any, ana: dict, maria: Patient
) -> None:
    clock.set(at_local("2026-12-07T22:00"))
    secrets = AFTER_HOURS_SECRETS | {"OfficeHours": '{"mon": ["08:00-17:00"'}

    result = text_in("still recorded", secrets=secrets)

    assert result.status == 200
    assert reply_of(result) == ""
    assert TextMessage.objects.filter(body="still recorded").count() == 1
    assert inbox(ana)["conversations"][0]["lastMessage"] == "still recorded"


def test_inbound_text_reaches_the_inbox_channel(maria: Patient, twilio: FakeTwilioHttp) -> None:
    result = text_in("hello inbox")

    events = inbox_events(result)
    assert len(events) == 1
    assert events[0]["type"] == "conversations"
    assert events[0]["conversations"][0]["lastMessage"] == "hello inbox"
    assert events[0]["unreadConversations"] == 1


@pytest.mark.parametrize(
    ("channel", "user_type", "ok"),
    [
        ("inbox", "Staff", True),
        ("inbox", "Patient", False),
        ("inbox\n", "Staff", False),
        ("inboxes", "Staff", False),
    ],
)
def test_inbox_channel_is_for_staff(channel: str, user_type: str, ok: bool) -> None:
    from tests.test_websocket_auth import accepted

    headers = {"canvas-logged-in-user-type": user_type, "canvas-logged-in-user-id": "staff-1"}

    assert accepted(channel, headers) is ok


# The inbox application -----------------------------------------------------------------------


def open_inbox(ana: dict, secrets: dict = SECRETS) -> dict:
    from canvas_generated.messages.events_pb2 import Event as EventRequest
    from canvas_sdk.events import Event, EventType

    from twilio_sms_mms.handlers.sms_inbox_app import SmsInboxApp

    staff = {"id": ana["canvas-logged-in-user-id"]}
    request = EventRequest(
        type=EventType.APPLICATION__ON_OPEN,
        target="twilio_sms_mms.handlers.sms_inbox_app:SmsInboxApp",
        context=json.dumps({"staff": staff}),
    )
    effects = SmsInboxApp(Event(request), secrets, {"CUSTOMER_IDENTIFIER": "clinic"}).compute()
    assert len(effects) == 1
    return dict(json.loads(effects[0].payload)["data"])


def test_inbox_app_opens_as_a_page_with_its_own_bundle(ana: dict) -> None:
    from pathlib import Path

    data = open_inbox(ana)

    assert data["target"] == "page"
    assert data["title"] == "SMS inbox"
    page = data["content"]
    config = json.loads(page.split('type="application/json">')[1].split("</script>")[0])
    assert config["staffId"] == ana["canvas-logged-in-user-id"]
    assert config["apiBase"] == "/plugin-io/api/twilio_sms_mms"
    assert "shared" in config
    static = Path(__file__).resolve().parents[1] / "twilio_sms_mms" / "static"
    assert (static / "inbox_app.js").read_text(encoding="utf-8") in page
    assert (static / "sms_app.js").read_text(encoding="utf-8") not in page


def test_inbox_app_badge_counts_unread_conversations(ana: dict, maria: Patient) -> None:
    from canvas_generated.messages.events_pb2 import Event as EventRequest
    from canvas_sdk.events import Event, EventType

    from twilio_sms_mms.handlers.sms_inbox_app import SmsInboxApp

    text_in("one")
    text_in("two")
    text_in("stranger", number=STRANGER)
    request = EventRequest(type=EventType.APPLICATION__GET_NOTIFICATION_BADGE, context="{}")

    assert SmsInboxApp(Event(request), SECRETS, {}).compute_notification_badge() == 2


def test_inbox_warns_about_invalid_office_hours(ana: dict) -> None:
    data = open_inbox(ana, SECRETS | {"OfficeHours": "{"})

    assert "OfficeHours is not valid" in data["content"]


def test_a_page_costs_two_queries_whatever_the_inbox_holds(
    ana: dict, django_assert_max_num_queries: Any
) -> None:
    from twilio_sms_mms.services import inbox as inbox_service

    moment = datetime(2026, 12, 1, tzinfo=UTC)
    Conversation.objects.bulk_create(
        [
            Conversation(
                key=f"number:+1555030{i:04d}",
                patient_number=f"+1555030{i:04d}",
                last_at=moment + timedelta(minutes=i),
                unread=i % 2,
                updated=moment,
            )
            for i in range(300)
        ]
    )
    query = inbox_service.InboxQuery(inbox_service.InboxFilter.UNREAD, "s")

    with django_assert_max_num_queries(2):
        answer = inbox_service.page(query)

    assert len(answer["conversations"]) == 50


def test_opening_the_inbox_builds_rows_for_history_from_before_it(
    ana: dict, maria: Patient
) -> None:
    old = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
    for i, (number, body, inbound, patients) in enumerate(
        [
            (MOBILE, "old question", True, [str(maria.id)]),
            (MOBILE, "old answer", False, [str(maria.id)]),
            (STRANGER, "who?", True, []),
        ]
    ):
        sid = f"SM{'b' * 31}{i}"
        TextMessage.objects.create(
            sid=sid,
            direction="inbound" if inbound else "outbound",
            practice_number="+15550100001",
            patient_number=number,
            body=body,
            status="received" if inbound else "delivered",
            patient_ids=patients,
            matched=bool(patients),
            read=not inbound,
            created=old + timedelta(minutes=i),
            updated=old,
        )
        for patient_id in patients:
            MessageLink.objects.create(
                message_sid=sid, patient_id=patient_id, read=not inbound, created=old
            )
    text_in("new since the upgrade", number="+15550166666")

    open_inbox(ana)
    open_inbox(ana)  # the second open writes nothing more

    rows = {row["id"]: row for row in inbox(ana)["conversations"]}
    assert set(rows) == {f"patient:{maria.id}", f"number:{STRANGER}", "number:+15550166666"}
    assert rows[f"patient:{maria.id}"]["name"] == "Maria Lopez"
    assert rows[f"patient:{maria.id}"]["lastMessage"] == "old answer"
    assert rows[f"patient:{maria.id}"]["unread"] == 1
    assert rows[f"number:{STRANGER}"]["unread"] == 1
    assert rows["number:+15550166666"]["lastMessage"] == "new since the upgrade"
    assert Conversation.objects.count() == 3


def test_the_inbox_bundle_fits_its_template() -> None:
    from pathlib import Path

    static = Path(__file__).resolve().parents[1] / "twilio_sms_mms" / "static"
    script = (static / "inbox_app.js").read_text(encoding="utf-8")
    stylesheet = (static / "inbox_app.css").read_text(encoding="utf-8")

    assert script.strip()
    for text in (script, stylesheet):
        assert [m for m in ("{{", "{%", "{#", "</script", "</style") if m in text] == []
