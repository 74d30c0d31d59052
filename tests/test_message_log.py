"""GET /message_list, /message, /medias: one bounded page, details with media, raw media."""

import pytest
import requests

from tests import twilio_json as tj
from tests.plugin_harness import STAFF, FakeTwilioHttp, RawBody, call_route

NUMBER = "+15550100001"


def list_page(twilio: FakeTwilioHttp, messages: list[dict], next_uri: str | None = None) -> None:
    twilio.on("GET", r"/Messages\.json", (200, tj.page("messages", messages, next_uri)))


def test_first_page_costs_one_request_and_keeps_null_dates(twilio: FakeTwilioHttp) -> None:
    next_uri = f"{tj.BASE}/Messages.json?From=%2B15550100001&PageSize=50&Page=1&PageToken=PASM9"
    list_page(
        twilio,
        [
            tj.message(1, status="queued", date_sent=None),
            tj.message(2, num_media="3", error_code=30003, status="undelivered"),
        ],
        next_uri,
    )

    result = call_route("GET", f"/message_list/{NUMBER}/from", headers=STAFF)

    assert result.status == 200
    body = result.json()
    queued, mms = body["messages"]
    assert queued["sent"] is None and queued["status"] == "queued"
    assert mms["mediaCount"] == 3 and mms["errorCode"] == 30003
    assert body["nextPage"] and body["pageSize"] == 50
    assert len(twilio.calls) == 1
    assert twilio.calls[0].query == {"From": [NUMBER], "PageSize": ["50"]}


def test_direction_to_filters_on_to_and_honours_page_size(twilio: FakeTwilioHttp) -> None:
    list_page(twilio, [])

    result = call_route(
        "GET", "/message_list/%2B15550100001/to", query="pageSize=200", headers=STAFF
    )

    assert result.status == 200
    assert twilio.calls[0].query == {"To": [NUMBER], "PageSize": ["200"]}


def test_next_page_follows_twilios_page_token(twilio: FakeTwilioHttp) -> None:
    next_uri = f"{tj.BASE}/Messages.json?From=%2B15550100001&PageSize=50&Page=1&PageToken=PASM9"
    list_page(twilio, [tj.message(1)], next_uri)
    cursor = call_route("GET", f"/message_list/{NUMBER}/from", headers=STAFF).json()["nextPage"]
    list_page(twilio, [tj.message(2)])

    result = call_route(
        "GET", f"/message_list/{NUMBER}/from", query=f"page={cursor}", headers=STAFF
    )

    assert result.json()["nextPage"] is None
    assert twilio.calls[1].query["PageToken"] == ["PASM9"]
    assert twilio.calls[1].query["Page"] == ["1"]


def test_cursor_of_another_number_is_refused(twilio: FakeTwilioHttp) -> None:
    next_uri = f"{tj.BASE}/Messages.json?From=%2B15550100001&PageSize=50&Page=1&PageToken=PASM9"
    list_page(twilio, [tj.message(1)], next_uri)
    cursor = call_route("GET", f"/message_list/{NUMBER}/from", headers=STAFF).json()["nextPage"]

    result = call_route(
        "GET", "/message_list/+15550100002/from", query=f"page={cursor}", headers=STAFF
    )

    assert result.status == 400
    assert result.json()["error"]["field"] == "page"


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        (f"/message_list/{NUMBER}/sideways", "", "direction"),
        ("/message_list/12ab/from", "", "number"),
        (f"/message_list/{NUMBER}/from", "pageSize=0", "pageSize"),
        (f"/message_list/{NUMBER}/from", "pageSize=201", "pageSize"),
        (f"/message_list/{NUMBER}/from", "pageSize=abc", "pageSize"),
        (f"/message_list/{NUMBER}/from", "page=%%%", "page"),
    ],
)
def test_bad_list_requests_are_400(
    twilio: FakeTwilioHttp, path: str, query: str, field: str
) -> None:
    result = call_route("GET", path, query=query, headers=STAFF)

    assert result.status == 400
    assert result.json()["error"]["field"] == field
    assert twilio.calls == []


def test_message_details_and_media_arrive_together(twilio: FakeTwilioHttp) -> None:
    message = tj.message(7, num_media="3", status="undelivered", error_code=30003)
    sid = message["sid"]
    twilio.on("GET", rf"/Messages/{sid}\.json", (200, message))
    twilio.on(
        "GET",
        rf"/Messages/{sid}/Media\.json",
        (
            200,
            tj.page(
                "media_list",
                [
                    tj.media(sid, 1),
                    tj.media(sid, 2, "image/jpeg"),
                    tj.media(sid, 3, "application/pdf"),
                ],
            ),
        ),
    )

    result = call_route("GET", f"/message/{sid}", headers=STAFF)

    assert result.status == 200
    detail = result.json()["message"]
    assert detail["errorCode"] == 30003
    assert "unreachable" in detail["errorExplanation"]
    assert detail["segments"] == 1 and detail["mediaCount"] == 3 and detail["price"] == "-0.00790"
    media = result.json()["media"]
    assert [m["contentType"] for m in media] == ["image/png", "image/jpeg", "application/pdf"]
    assert media[0]["url"] == f"/plugin-io/api/twilio_sms_mms/medias/{sid}/{tj.sid('ME', 1)}"
    assert sorted(call.path for call in twilio.calls) == [
        f"/Messages/{sid}.json",
        f"/Messages/{sid}/Media.json",
    ]


def test_message_without_media_and_without_date_sent(twilio: FakeTwilioHttp) -> None:
    message = tj.message(8, status="failed", date_sent=None, error_code=21610)
    sid = message["sid"]
    twilio.on("GET", rf"/Messages/{sid}\.json", (200, message))
    twilio.on("GET", rf"/Messages/{sid}/Media\.json", (200, tj.page("media_list", [])))

    result = call_route("GET", f"/message/{sid}", headers=STAFF)

    assert result.json()["message"]["sent"] is None
    assert "opted out" in result.json()["message"]["errorExplanation"]
    assert result.json()["media"] == []


def test_unknown_message_is_404_with_twilio_code(twilio: FakeTwilioHttp) -> None:
    result = call_route("GET", f"/message/{tj.sid('SM', 99)}", headers=STAFF)

    assert result.status == 404
    assert result.json()["error"]["twilioCode"] == 20404


def test_malformed_message_sid_is_400(twilio: FakeTwilioHttp) -> None:
    result = call_route("GET", "/message/..%2F..%2FIncomingPhoneNumbers", headers=STAFF)

    assert result.status == 400
    assert twilio.calls == []


@pytest.mark.parametrize("count", [0, 1, 10])
def test_media_list_with_zero_to_ten_items(twilio: FakeTwilioHttp, count: int) -> None:
    sid = tj.sid("MM", 3)
    items = [tj.media(sid, n) for n in range(count)]
    twilio.on("GET", rf"/Messages/{sid}/Media\.json", (200, tj.page("media_list", items)))

    result = call_route("GET", f"/medias/{sid}", headers=STAFF)

    assert result.status == 200
    assert len(result.json()["media"]) == count


def test_image_bytes_are_served_inline(twilio: FakeTwilioHttp) -> None:
    sid, media_sid = tj.sid("MM", 3), tj.sid("ME", 1)
    twilio.on(
        "GET", rf"/Messages/{sid}/Media/{media_sid}", (200, RawBody(b"\x89PNG...", "image/png"))
    )

    result = call_route("GET", f"/medias/{sid}/{media_sid}", headers=STAFF)

    assert result.status == 200
    assert result.body == b"\x89PNG..."
    assert result.headers["Content-Type"] == "image/png"
    assert "Content-Disposition" not in result.headers
    assert result.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("twilio_type", "served_type"),
    [
        ("application/pdf", "application/pdf"),
        ("text/html", "text/html"),
        ('text/html"><script>window.__xss=1</script>', "application/octet-stream"),
    ],
)
def test_other_media_is_an_attachment(
    twilio: FakeTwilioHttp, twilio_type: str, served_type: str
) -> None:
    sid, media_sid = tj.sid("MM", 3), tj.sid("ME", 2)
    twilio.on("GET", rf"/Messages/{sid}/Media/{media_sid}", (200, RawBody(b"%PDF", twilio_type)))

    result = call_route("GET", f"/medias/{sid}/{media_sid}", headers=STAFF)

    assert result.headers["Content-Type"] == served_type
    assert result.headers["Content-Disposition"] == f'attachment; filename="{media_sid}"'


def test_delete_message(twilio: FakeTwilioHttp) -> None:
    sid = tj.sid("SM", 4)
    twilio.on("DELETE", rf"/Messages/{sid}\.json", (204, None))

    result = call_route("DELETE", f"/message_delete/{sid}", headers=STAFF)

    assert result.status == 200
    assert result.json() == {"sid": sid, "deleted": True}


@pytest.mark.parametrize("twilio_status", [400, 409])
def test_delete_of_a_message_in_flight_is_409_explained_in_plain_words(
    twilio: FakeTwilioHttp, twilio_status: int
) -> None:
    sid = tj.sid("SM", 5)
    reply = (twilio_status, tj.error(20009, twilio_status, "Cannot delete"))
    twilio.on("DELETE", rf"/Messages/{sid}\.json", reply)

    result = call_route("DELETE", f"/message_delete/{sid}", headers=STAFF)

    assert result.status == 409
    error = result.json()["error"]
    assert error["twilioCode"] == 20009
    assert "still processing this message" in error["message"]
    assert "Wait a few minutes" in error["message"]


@pytest.mark.parametrize(
    ("failure", "status"),
    [
        (requests.exceptions.ReadTimeout("slow"), 504),
        (requests.exceptions.ConnectTimeout("slow"), 504),
        (requests.exceptions.ConnectionError("down"), 502),
        (requests.exceptions.TooManyRedirects("loop"), 502),
    ],
)
def test_network_failures_become_502_or_504(
    twilio: FakeTwilioHttp, failure: Exception, status: int
) -> None:
    twilio.on("GET", r"/Messages\.json", failure)

    result = call_route("GET", f"/message_list/{NUMBER}/from", headers=STAFF)

    assert result.status == status
    assert result.json()["error"]["message"]


def test_network_failure_during_parallel_fetch_is_504(twilio: FakeTwilioHttp) -> None:
    sid = tj.sid("SM", 6)
    twilio.on("GET", rf"/Messages/{sid}\.json", (200, tj.message(6)))
    twilio.on("GET", rf"/Messages/{sid}/Media\.json", requests.exceptions.ReadTimeout("slow"))

    assert call_route("GET", f"/message/{sid}", headers=STAFF).status == 504


def test_twilio_rate_limit_after_three_tries_is_503(twilio: FakeTwilioHttp) -> None:
    twilio.on("GET", r"/Messages\.json", (429, tj.error(20429, 429)))

    result = call_route("GET", f"/message_list/{NUMBER}/from", headers=STAFF)

    assert result.status == 503  # backoff: tests/test_rate_limits.py
    assert result.json()["error"]["twilioCode"] == 20429


@pytest.mark.parametrize(("status", "code"), [(500, 20500), (503, 20503)])
def test_twilio_server_errors_are_502_never_500(
    twilio: FakeTwilioHttp, status: int, code: int
) -> None:
    twilio.on("GET", r"/Messages\.json", (status, tj.error(code, status)))

    result = call_route("GET", f"/message_list/{NUMBER}/from", headers=STAFF)

    assert result.status == 502
    assert result.json()["error"]["twilioCode"] == code
    assert "try again" in result.json()["error"]["message"]


def test_unexpected_twilio_shape_is_502(twilio: FakeTwilioHttp) -> None:
    twilio.on("GET", r"/Messages\.json", (200, {"messages": [{"sid": "SMx"}]}))

    assert call_route("GET", f"/message_list/{NUMBER}/from", headers=STAFF).status == 502
