"""Conversations page newest first: the patient thread and an unknown number's inbox thread give
the newest 50 and a cursor for earlier messages; pages join without overlap or gap (equal
timestamps included), a bad cursor is 400, the queries do not grow with the history, and what the
thread did before paging (read marks, unknown-send lookups) still happens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from canvas_sdk.effects import EffectType
from canvas_sdk.v1.data import Patient
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import twilio_json as tj
from tests.plugin_harness import PATIENT_SESSION, STAFF, FakeTwilioHttp, RouteResult, call_route
from tests.test_idempotent_send import KEY, at_twilio, lookups, make_unknown
from tests.test_idempotent_send import account as account  # a fixture
from tests.test_idempotent_send import maria as maria  # a fixture
from tests.test_inbox import text_in
from twilio_sms_mms.models.records import MessageLink, TextMessage
from twilio_sms_mms.services import storage

PAGE = storage.THREAD_PAGE
NUMBER = "+15550123456"
STRANGER = "+15550177777"
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
BAD_CURSORS = [
    "abc",
    "1.2.3",
    "-5.1",
    "5.",
    ".5",
    "5",
    f"{'9' * 20}.1",
    f"{'9' * 19}.1",
    f"1.{'9' * 19}",
]


def history(
    patient: Patient | None,
    count: int,
    *,
    number: str = NUMBER,
    same_time: int = 1,
    start: datetime = START,
    unread: bool = False,
) -> list[str]:
    """`count` stored texts, oldest first (`same_time` in a row share a timestamp); their sids."""
    sids, records, links = [], [], []
    for i in range(count):
        sid = f"SM{number[-4:]}{i:028d}"
        moment = start + timedelta(minutes=i // same_time)
        inbound = i % 2 == 0
        records.append(
            TextMessage(
                sid=sid,
                direction="inbound" if inbound else "outbound",
                practice_number="+15550100001",
                patient_number=number,
                body=f"text {i}",
                status="received" if inbound else "delivered",
                patient_ids=[str(patient.id)] if patient else [],
                matched=patient is not None,
                read=not (unread and inbound),
                created=moment,
                updated=moment,
            )
        )
        if patient is not None:
            links.append(
                MessageLink(
                    message_sid=sid,
                    patient_id=str(patient.id),
                    read=not (unread and inbound),
                    created=moment,
                )
            )
        sids.append(sid)
    TextMessage.objects.bulk_create(records)
    MessageLink.objects.bulk_create(links)
    return sids


def patient_page(patient: Patient, cursor: str = "", **extra: str) -> RouteResult:
    query = "&".join(f"{k}={v}" for k, v in ({"cursor": cursor} | extra).items() if v)
    return call_route("GET", f"/patients/{patient.id}/thread", query=query, headers=STAFF)


def number_page(cursor: str = "", headers: dict | None = None) -> RouteResult:
    return call_route(
        "GET",
        f"/inbox/conversations/number:{STRANGER}/thread",
        query=f"cursor={cursor}" if cursor else "",
        headers=STAFF if headers is None else headers,
    )


def pushed(result: RouteResult) -> list[Any]:
    """The effects besides the answer itself (broadcasts, badges)."""
    return [e for e in result.effects if e.type != EffectType.SIMPLE_API_RESPONSE]


def walk(first: RouteResult, next_page: Any) -> tuple[list[list[str]], int]:
    """Follow earlierCursor to the start: the sids of every page, and how many pages."""
    pages: list[list[str]] = []
    answer = first
    while True:
        assert answer.status == 200, answer.body
        pages.append([m["sid"] for m in answer.json()["messages"]])
        cursor = answer.json()["earlierCursor"]
        if cursor is None:
            return pages, len(pages)
        answer = next_page(cursor)


# The patient's thread ------------------------------------------------------------------------


def test_the_first_page_is_the_newest_fifty_oldest_first_with_a_cursor(maria: Patient) -> None:
    sids = history(maria, 120)

    body = patient_page(maria).json()

    assert [m["sid"] for m in body["messages"]] == sids[-PAGE:]
    assert isinstance(body["earlierCursor"], str)
    assert {"patient", "phones", "quickReplies"} <= body.keys()


def test_pages_join_without_overlap_or_gap_when_times_are_equal(maria: Patient) -> None:
    sids = history(maria, 173, same_time=7)  # every page boundary falls inside a group

    pages, count = walk(patient_page(maria), lambda cursor: patient_page(maria, cursor))

    assert count == 4
    assert [len(page) for page in pages] == [50, 50, 50, 23]
    joined = [sid for page in reversed(pages) for sid in page]
    assert sorted(joined) == sorted(sids)
    assert len(set(joined)) == len(sids)


def test_the_cursor_round_trips_to_the_page_before(maria: Patient) -> None:
    sids = history(maria, 60)
    cursor = patient_page(maria).json()["earlierCursor"]

    earlier = patient_page(maria, cursor).json()

    assert earlier == {
        "messages": earlier["messages"],
        "earlierCursor": None,
    }, "an earlier page is only messages and a cursor"
    assert [m["sid"] for m in earlier["messages"]] == sids[:10]
    assert patient_page(maria, cursor).json() == earlier


def test_a_thread_of_one_page_has_no_cursor(maria: Patient) -> None:
    history(maria, PAGE)

    assert patient_page(maria).json()["earlierCursor"] is None


def test_a_text_arriving_between_pages_moves_nothing(maria: Patient) -> None:
    sids = history(maria, 80)
    cursor = patient_page(maria).json()["earlierCursor"]
    history(maria, 5, number="+15550123499", start=START + timedelta(days=1))

    earlier = patient_page(maria, cursor).json()

    assert [m["sid"] for m in earlier["messages"]] == sids[:30]


def test_an_earlier_page_marks_nothing_read_and_pushes_nothing(maria: Patient) -> None:
    history(maria, 80, unread=True)
    cursor = patient_page(maria, markRead="0").json()["earlierCursor"]
    unread = MessageLink.objects.filter(read=False).count()

    earlier = patient_page(maria, cursor)

    assert earlier.status == 200
    assert pushed(earlier) == []
    assert MessageLink.objects.filter(read=False).count() == unread == 40


def test_the_first_page_still_marks_the_whole_thread_read(maria: Patient) -> None:
    history(maria, 80, unread=True)

    patient_page(maria)

    assert not MessageLink.objects.filter(read=False).exists()


def test_an_unknown_send_on_an_earlier_page_is_looked_up_when_that_page_is_read(
    account: FakeTwilioHttp, maria: Patient
) -> None:
    make_unknown(account, maria)
    history(maria, PAGE, start=storage.now() + timedelta(minutes=1))
    account.on("GET", r"/Messages\.json", (200, tj.page("messages", [at_twilio()])))
    first = patient_page(maria).json()
    assert KEY not in [m["clientRequestId"] for m in first["messages"]]
    assert lookups(account) == []

    earlier = patient_page(maria, first["earlierCursor"]).json()

    [resolved] = earlier["messages"]
    assert (resolved["clientRequestId"], resolved["status"]) == (KEY, "sent")
    assert resolved["sid"] == tj.sid("SM", 0xACC)
    assert len(lookups(account)) == 1


def route_queries(call: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert call().status == 200
    return len(captured.captured_queries)


def test_queries_per_page_do_not_grow_with_the_history(maria: Patient) -> None:
    history(maria, 60)
    cursor = patient_page(maria).json()["earlierCursor"]  # also the one-off link migration
    small = [
        route_queries(lambda: patient_page(maria)),
        route_queries(lambda: patient_page(maria, cursor)),
    ]

    history(maria, 2_000, number="+15550123488", start=START - timedelta(days=30))
    large = [
        route_queries(lambda: patient_page(maria)),
        route_queries(lambda: patient_page(maria, cursor)),
    ]

    assert large == small
    assert small[1] <= 4  # the patient, the link migration's mark, the page's links and texts
    assert len(patient_page(maria, cursor).json()["messages"]) == PAGE


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_a_bad_cursor_is_400(maria: Patient, cursor: str) -> None:
    result = patient_page(maria, cursor)

    assert result.status == 400
    assert result.json()["error"]["field"] == "cursor"


# An unknown number's thread in the inbox -----------------------------------------------------


def test_an_unknown_numbers_thread_pages_the_same_way(maria: Patient) -> None:
    text_in("first", number=STRANGER)  # the conversation row
    sids = history(None, 131, number=STRANGER, same_time=3, unread=True)

    first = number_page()
    pages, count = walk(first, number_page)

    assert "conversation" in first.json()
    assert pages[0] == [m.sid for m in storage.number_thread_page(STRANGER).messages]
    assert count == 3
    joined = {sid for page in pages for sid in page}
    assert joined >= set(sids) and len(joined) == 132


def test_only_the_first_page_of_a_numbers_thread_marks_it_read(maria: Patient) -> None:
    text_in("first", number=STRANGER)
    history(None, 80, number=STRANGER, start=START + timedelta(days=400), unread=True)
    first = call_route(
        "GET", f"/inbox/conversations/number:{STRANGER}/thread", headers=STAFF
    ).json()
    TextMessage.objects.filter(patient_number=STRANGER).update(read=False)

    earlier = number_page(first["earlierCursor"])

    assert pushed(earlier) == []
    assert set(earlier.json()) == {"messages", "earlierCursor"}
    assert TextMessage.objects.filter(patient_number=STRANGER, read=False).count() == 81


@pytest.mark.parametrize("cursor", BAD_CURSORS[:4])
def test_a_bad_cursor_on_a_numbers_thread_is_400(cursor: str) -> None:
    text_in("first", number=STRANGER)

    result = number_page(cursor)

    assert result.status == 400
    assert result.json()["error"]["field"] == "cursor"


# Staff only ----------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, PATIENT_SESSION])
def test_pages_are_for_staff_only(maria: Patient, headers: dict) -> None:
    text_in("first", number=STRANGER)
    history(maria, 60)
    cursor = patient_page(maria).json()["earlierCursor"]

    chart = call_route(
        "GET", f"/patients/{maria.id}/thread", query=f"cursor={cursor}", headers=headers
    )

    assert chart.status == 401
    assert number_page(cursor, headers=headers).status == 401
