"""The Twilio stand-in, driven by the SDK's real SmsClient and by plain HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from canvas_sdk.clients.twilio.constants import DateOperation, HttpMethod, MessageStatus
from canvas_sdk.clients.twilio.libraries import SmsClient
from canvas_sdk.clients.twilio.structures import Message, RequestFailed
from canvas_sdk.clients.twilio.structures.sms_mms import SmsMms

from devtools.twilio_sandbox import RunningSandbox
from tests.devtools.conftest import ACCOUNT_SID, API_KEY, API_SECRET, AUTH_TOKEN
from tests.devtools.sandbox_receiver import Answer, WebhookReceiver

MAIN_LINE = "+15550100001"
FRONT_DESK = "+15550100002"
MARIA = "+15550123456"
JOHN = "+15550199999"
AUTH = (API_KEY, API_SECRET)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def expected_signature(url: str, params: list[tuple[str, str]]) -> str:
    """Twilio's algorithm, computed independently of the stand-in's code."""
    data = url
    for name in sorted({name for name, _ in params}):
        for value in sorted(value for key, value in params if key == name):
            data += name + value
    digest = hmac.new(AUTH_TOKEN.encode(), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def phone_sid(client: SmsClient, number: str) -> str:
    return next(p.sid for p in client.account_phone_numbers() if p.phone_number == number)


def send(
    client: SmsClient, to: str, body: str = "hello", media: str = "", callback: str = ""
) -> Message:
    sms = SmsMms(
        number_from=MAIN_LINE,
        number_from_sid=phone_sid(client, MAIN_LINE),
        number_to=to,
        message=body,
        media_url=media,
        status_callback_url=callback,
    )
    return client.send_sms_mms(sms)


def dump(sandbox: RunningSandbox, **filters: str) -> list[dict]:
    response = requests.get(f"{sandbox.url}/_sandbox/messages", params=filters, timeout=5)
    return response.json()["messages"]


def inbound(
    sandbox: RunningSandbox, sender: str, to: str, body: str, media: list[str] | None = None
) -> dict:
    payload: dict = {"from": sender, "to": to, "body": body}
    if media:
        payload["media"] = media
    response = requests.post(f"{sandbox.url}/_sandbox/inbound", json=payload, timeout=20)
    assert response.status_code == 200, response.text
    return response.json()


def wait_for_status(client: SmsClient, sid: str, status: str, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while getattr(client.retrieve_sms(sid).status, "value", None) != status:
        assert time.monotonic() < deadline, f"{sid} never reached {status}"
        time.sleep(0.02)


def twilio_error(exc: RequestFailed) -> dict:
    import json

    return json.loads(exc.message)


# --- phone numbers ---------------------------------------------------------------------------


def test_sdk_lists_the_seeded_practice_numbers(sms_client: SmsClient) -> None:
    phones = {p.phone_number: p for p in sms_client.account_phone_numbers()}
    assert set(phones) == {MAIN_LINE, FRONT_DESK}
    assert phones[MAIN_LINE].friendly_name == "Main line"
    assert phones[MAIN_LINE].capabilities.mms and phones[MAIN_LINE].capabilities.voice
    assert phones[FRONT_DESK].friendly_name.startswith("Front desk <img")
    assert not phones[FRONT_DESK].capabilities.mms
    assert phones[MAIN_LINE].sms_url == "" and phones[MAIN_LINE].status == "in-use"
    assert sms_client.account_phone_number(phones[FRONT_DESK].sid).sid == phones[FRONT_DESK].sid


def test_set_inbound_webhook_updates_the_number(sms_client: SmsClient) -> None:
    sid = phone_sid(sms_client, MAIN_LINE)
    assert sms_client.set_inbound_webhook(sid, "https://example.test/in?x=1", HttpMethod.GET)
    phone = sms_client.account_phone_number(sid)
    assert phone.sms_url == "https://example.test/in?x=1"
    assert phone.sms_method == HttpMethod.GET


def test_phone_number_pages_follow_next_page_uri(sandbox: RunningSandbox) -> None:
    url = f"{sandbox.rest_base}IncomingPhoneNumbers.json?PageSize=1"
    first = requests.get(url, auth=AUTH, timeout=5).json()
    assert first["page_size"] == 1 and first["page"] == 0 and first["first_page_uri"]
    second = requests.get(sandbox.url + first["next_page_uri"], auth=AUTH, timeout=5).json()
    assert second["page"] == 1 and second["next_page_uri"] is None
    numbers = [
        first["incoming_phone_numbers"][0]["phone_number"],
        second["incoming_phone_numbers"][0]["phone_number"],
    ]
    assert sorted(numbers) == [MAIN_LINE, FRONT_DESK]


# --- sending and delivery over time ------------------------------------------------------------


def test_send_is_queued_then_sent_then_delivered_with_signed_callbacks(
    sms_client: SmsClient, receiver: WebhookReceiver
) -> None:
    callback = f"{receiver.url}/status?tenant=demo"
    message = send(sms_client, MARIA, "Your appointment is tomorrow.", callback=callback)
    assert message.status == MessageStatus.QUEUED and message.sid.startswith("SM")
    assert message.date_sent is None and message.count_media == "0"

    calls = receiver.wait_for("/status", 2)
    assert [c.params()["MessageStatus"] for c in calls] == ["sent", "delivered"]
    for call in calls:
        params = call.params()
        assert params["MessageSid"] == params["SmsSid"] == message.sid
        assert params["AccountSid"] == ACCOUNT_SID and params["From"] == MAIN_LINE
        assert params["To"] == MARIA and params["ApiVersion"] == "2010-04-01"
        assert "ErrorCode" not in params
        assert call.headers["X-Twilio-Signature"] == expected_signature(callback, call.form())

    stored = sms_client.retrieve_sms(message.sid)
    assert stored.status == MessageStatus.DELIVERED
    assert stored.date_sent is not None and stored.price and stored.price.startswith("-")


def test_unreachable_handset_ends_undelivered_with_30003(
    sms_client: SmsClient, receiver: WebhookReceiver
) -> None:
    message = send(sms_client, "+15550130003", callback=f"{receiver.url}/status")
    calls = receiver.wait_for("/status", 2)
    assert [c.params()["MessageStatus"] for c in calls] == ["sent", "undelivered"]
    assert calls[1].params()["ErrorCode"] == "30003"
    stored = sms_client.retrieve_sms(message.sid)
    assert stored.status == MessageStatus.UNDELIVERED and stored.error_code == 30003


def test_landline_fails_with_30006(sms_client: SmsClient, receiver: WebhookReceiver) -> None:
    message = send(sms_client, "+15550130006", callback=f"{receiver.url}/status")
    calls = receiver.wait_for("/status", 1)
    assert calls[0].params()["MessageStatus"] == "failed"
    assert calls[0].params()["ErrorCode"] == "30006"
    time.sleep(0.2)
    stored = sms_client.retrieve_sms(message.sid)
    assert stored.status == MessageStatus.FAILED and stored.date_sent is None


def test_invalid_test_number_is_refused_on_create(sms_client: SmsClient) -> None:
    with pytest.raises(RequestFailed) as failure:
        send(sms_client, "+15005550001")
    assert failure.value.status_code == 400
    assert twilio_error(failure.value)["code"] == 21211


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"To": MARIA, "From": MAIN_LINE}, 21602),
        ({"To": MARIA, "From": MAIN_LINE, "Body": "x" * 1601}, 21617),
        ({"To": MARIA, "From": "+15557654321", "Body": "hi"}, 21606),
        ({"To": "12345", "From": MAIN_LINE, "Body": "hi"}, 21211),
        (
            {
                "To": MARIA,
                "From": MAIN_LINE,
                "MediaUrl": [f"https://x.test/{i}.png" for i in range(11)],
            },
            21623,
        ),
    ],
)
def test_bad_sends_answer_twilio_error_codes(
    sandbox: RunningSandbox, form: dict, code: int
) -> None:
    response = requests.post(f"{sandbox.rest_base}Messages.json", data=form, auth=AUTH, timeout=5)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code and body["status"] == 400
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"


def test_mms_copies_sandbox_assets_and_placeholders_other_urls(
    sandbox: RunningSandbox, sms_client: SmsClient
) -> None:
    asset_url = f"{sandbox.url}/_sandbox/assets/red.png"
    message = send(sms_client, MARIA, "photo", media=asset_url)
    assert message.sid.startswith("MM") and message.count_media == "1"
    media = list(sms_client.retrieve_media_list(message.sid))
    assert len(media) == 1 and media[0].content_type == "image/png"
    assert media[0].sid.startswith("ME") and media[0].parent_sid == message.sid
    raw = sms_client.retrieve_raw_media(message.sid, media[0].sid)
    assert raw == requests.get(asset_url, timeout=5).content

    form = {"To": MARIA, "From": MAIN_LINE, "MediaUrl": "https://example.invalid/x.png"}
    other = requests.post(f"{sandbox.rest_base}Messages.json", data=form, auth=AUTH, timeout=5)
    other_sid = other.json()["sid"]
    item = requests.get(
        f"{sandbox.rest_base}Messages/{other_sid}/Media.json", auth=AUTH, timeout=5
    ).json()["media_list"][0]
    placeholder = sms_client.retrieve_raw_media(other_sid, item["sid"])
    assert placeholder.startswith(PNG_MAGIC) and placeholder != raw


# --- reading messages ---------------------------------------------------------------------------


def test_sdk_lists_messages_with_filters(sms_client: SmsClient) -> None:
    to_maria = list(sms_client.retrieve_all_sms(MARIA, "", "", DateOperation.ON_EXACTLY))
    assert to_maria and all(m.number_to == MARIA for m in to_maria)
    created = [m.date_created for m in to_maria]
    assert created == sorted(created, reverse=True)
    from_maria = list(sms_client.retrieve_all_sms("", MARIA, "", DateOperation.ON_EXACTLY))
    assert from_maria and all(m.number_from == MARIA for m in from_maria)

    day = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%d")
    sent_that_day = list(sms_client.retrieve_all_sms("", "", day, DateOperation.ON_EXACTLY))
    assert sent_that_day
    assert all(m.date_sent and m.date_sent.strftime("%Y-%m-%d") == day for m in sent_that_day)


def test_date_sent_inequalities_and_message_shape(sandbox: RunningSandbox) -> None:
    since = datetime.now(UTC) - timedelta(days=3)
    url = f"{sandbox.rest_base}Messages.json"
    before = requests.get(url, params={"DateSent<": "2000-01-01"}, auth=AUTH, timeout=5).json()
    after = requests.get(
        url,
        params={"DateSent>": since.strftime("%Y-%m-%d"), "PageSize": "1000"},
        auth=AUTH,
        timeout=5,
    ).json()
    everything = requests.get(url, params={"PageSize": 1000}, auth=AUTH, timeout=5).json()
    assert before["messages"] == []
    assert after["messages"] and all(m["date_sent"] for m in after["messages"])
    assert len(after["messages"]) < len(everything["messages"])
    message = requests.get(url, auth=AUTH, timeout=5).json()["messages"][0]
    assert isinstance(message["num_media"], str) and isinstance(message["num_segments"], str)
    assert message["price_unit"] == "USD" and message["messaging_service_sid"] is None
    assert message["subresource_uris"]["media"].endswith(f"/Messages/{message['sid']}/Media.json")
    assert message["uri"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{message['sid']}.json"


def test_seeded_mms_has_three_distinct_images(sms_client: SmsClient) -> None:
    mms = next(
        m
        for m in sms_client.retrieve_all_sms("", MARIA, "", DateOperation.ON_EXACTLY)
        if m.count_media == "3"
    )
    media = list(sms_client.retrieve_media_list(mms.sid))
    images = [sms_client.retrieve_raw_media(mms.sid, item.sid) for item in media]
    assert all(image.startswith(PNG_MAGIC) for image in images)
    assert len(set(images)) == 3


def test_delete_before_final_is_20009_then_delete_then_retrieve_is_a_twilio_404(
    sms_client: SmsClient,
) -> None:
    message = send(sms_client, MARIA)
    with pytest.raises(RequestFailed) as early:
        sms_client.delete_sms(message.sid)
    assert early.value.status_code == 409
    assert twilio_error(early.value)["code"] == 20009
    wait_for_status(sms_client, message.sid, "delivered")
    assert sms_client.delete_sms(message.sid) is True
    with pytest.raises(RequestFailed) as failure:
        sms_client.retrieve_sms(message.sid)
    assert failure.value.status_code == 404
    assert twilio_error(failure.value)["code"] == 20404


# --- auth, unknown resources ----------------------------------------------------------------


def test_wrong_credentials_answer_401_20003(sandbox: RunningSandbox) -> None:
    for auth in [(API_KEY, "wrong"), (ACCOUNT_SID, "wrong"), None]:
        response = requests.get(f"{sandbox.rest_base}Messages.json", auth=auth, timeout=5)
        assert response.status_code == 401
        assert response.json() == {
            "code": 20003,
            "message": "Authenticate",
            "more_info": "https://www.twilio.com/docs/errors/20003",
            "status": 401,
        }
    with_token = requests.get(
        f"{sandbox.rest_base}Messages.json", auth=(ACCOUNT_SID, AUTH_TOKEN), timeout=5
    )
    assert with_token.status_code == 200


def test_unknown_resources_and_accounts_are_404_20404(sandbox: RunningSandbox) -> None:
    urls = [
        f"{sandbox.rest_base}Messages/SM{'0' * 32}.json",
        f"{sandbox.rest_base}Calls.json",
        f"{sandbox.url}/2010-04-01/Accounts/AC{'9' * 32}/Messages.json",
    ]
    for url in urls:
        response = requests.get(url, auth=AUTH, timeout=5)
        assert response.status_code == 404
        body = response.json()
        assert body["code"] == 20404 and body["status"] == 404 and "more_info" in body


# --- opt-out ------------------------------------------------------------------------------------


def test_seeded_opt_out_blocks_john(sms_client: SmsClient) -> None:
    with pytest.raises(RequestFailed) as failure:
        send(sms_client, JOHN)
    error = twilio_error(failure.value)
    assert (
        error["code"] == 21610 and error["message"] == "Attempt to send to unsubscribed recipient"
    )


def test_stop_blocks_later_sends_and_start_clears(
    sandbox: RunningSandbox, sms_client: SmsClient
) -> None:
    inbound(sandbox, MARIA, MAIN_LINE, "  stop ")
    with pytest.raises(RequestFailed) as failure:
        send(sms_client, MARIA)
    assert twilio_error(failure.value)["code"] == 21610
    inbound(sandbox, MARIA, MAIN_LINE, "Start")
    assert send(sms_client, MARIA).status == MessageStatus.QUEUED


# --- inbound webhooks ---------------------------------------------------------------------------


def test_inbound_text_calls_sms_url_signed_and_stores_twiml_replies(
    sandbox: RunningSandbox, sms_client: SmsClient, receiver: WebhookReceiver
) -> None:
    sms_url = f"{receiver.url}/inbound?site=demo"
    sms_client.set_inbound_webhook(phone_sid(sms_client, MAIN_LINE), sms_url, HttpMethod.POST)
    receiver.answer = Answer(
        body="<Response><Message>Thanks, we got it.</Message>"
        "<Message><Body>Second</Body><Media>https://example.invalid/m.png</Media></Message>"
        "</Response>"
    )
    result = inbound(sandbox, MARIA, MAIN_LINE, "Photo attached", media=["blue.png"])

    call = receiver.requests_to("/inbound")[0]
    params = call.params()
    assert call.method == "POST"
    assert call.headers["X-Twilio-Signature"] == expected_signature(sms_url, call.form())
    assert (
        params["MessageSid"] == params["SmsSid"] == params["SmsMessageSid"] == result["messageSid"]
    )
    assert (
        params["From"] == MARIA and params["To"] == MAIN_LINE and params["Body"] == "Photo attached"
    )
    assert params["NumMedia"] == "1" and params["SmsStatus"] == "received"
    assert params["MediaContentType0"] == "image/png" and "MessagingServiceSid" not in params
    assert {"FromCountry", "FromState", "FromCity", "FromZip", "ToCountry", "ToZip"} <= set(params)
    media_bytes = requests.get(params["MediaUrl0"], auth=AUTH, timeout=5).content
    assert media_bytes == requests.get(f"{sandbox.url}/_sandbox/assets/blue.png", timeout=5).content

    assert result["webhookStatus"] == 200 and "Thanks" in result["twiml"]
    assert len(result["replies"]) == 2
    replies = {m["sid"]: m for m in dump(sandbox, to=MARIA)}
    first, second = (replies[sid] for sid in result["replies"])
    assert first["body"] == "Thanks, we got it." and first["direction"] == "outbound-reply"
    assert first["from"] == MAIN_LINE and first["status"] == "delivered"
    assert second["body"] == "Second" and second["num_media"] == 1


def test_inbound_get_webhook_signs_the_full_url(
    sandbox: RunningSandbox, sms_client: SmsClient, receiver: WebhookReceiver
) -> None:
    sms_url = f"{receiver.url}/inbound-get"
    sms_client.set_inbound_webhook(phone_sid(sms_client, MAIN_LINE), sms_url, HttpMethod.GET)
    receiver.answer = Answer(body="<Response/>")
    result = inbound(sandbox, MARIA, MAIN_LINE, "hi there")
    call = receiver.requests_to("/inbound-get")[0]
    assert call.method == "GET" and call.params()["Body"] == "hi there"
    full_url = f"{sms_url}?{call.query}"
    assert call.headers["X-Twilio-Signature"] == expected_signature(full_url, [])
    assert result["replies"] == []


def test_inbound_without_sms_url_is_only_stored(sandbox: RunningSandbox) -> None:
    result = inbound(sandbox, "+15550177777", FRONT_DESK, "anyone there?")
    assert result["webhookStatus"] is None and result["replies"] == []
    assert dump(sandbox, to=FRONT_DESK)[0]["sid"] == result["messageSid"]


# --- admin: faults, stats, seeds, page ---------------------------------------------------------


def test_faults_fail_then_recover_and_delay(sandbox: RunningSandbox) -> None:
    url = f"{sandbox.rest_base}Messages.json"
    requests.post(
        f"{sandbox.url}/_sandbox/faults", json={"failStatus": 503, "failCount": 2}, timeout=5
    )
    statuses = [requests.get(url, auth=AUTH, timeout=5) for _ in range(3)]
    assert [r.status_code for r in statuses] == [503, 503, 200]
    assert statuses[0].json()["code"] == 20503

    requests.post(
        f"{sandbox.url}/_sandbox/faults", json={"failStatus": 429, "failCount": 1}, timeout=5
    )
    limited = requests.get(url, auth=AUTH, timeout=5).json()
    assert limited["code"] == 20429 and limited["message"] == "Too Many Requests"

    requests.post(f"{sandbox.url}/_sandbox/faults", json={"delayMs": 300}, timeout=5)
    started = time.monotonic()
    requests.get(url, auth=AUTH, timeout=5)
    assert time.monotonic() - started >= 0.3
    requests.delete(f"{sandbox.url}/_sandbox/faults", timeout=5)
    started = time.monotonic()
    requests.get(url, auth=AUTH, timeout=5)
    assert time.monotonic() - started < 0.3


def test_stats_count_rest_requests_by_route(sandbox: RunningSandbox, sms_client: SmsClient) -> None:
    requests.delete(f"{sandbox.url}/_sandbox/stats", timeout=5)
    send(sms_client, MARIA)
    list(sms_client.account_phone_numbers())
    stats = requests.get(f"{sandbox.url}/_sandbox/stats", timeout=5).json()
    assert stats["byRoute"] == {
        "GET IncomingPhoneNumbers/{Sid}.json": 1,
        "POST Messages.json": 1,
        "GET IncomingPhoneNumbers.json": 2,
    }
    assert stats["total"] == 4
    requests.delete(f"{sandbox.url}/_sandbox/stats", timeout=5)
    assert requests.get(f"{sandbox.url}/_sandbox/stats", timeout=5).json()["total"] == 0


def test_demo_seed_holds_failures_queued_pdf_and_hostile_content(sandbox: RunningSandbox) -> None:
    messages = dump(sandbox)
    bodies = {m["body"] for m in messages}
    assert '<img src=x onerror="window.__xss=1">' in bodies
    assert "<script>window.__xss=1</script>hello" in bodies
    errors = {(m["status"], m["error_code"]) for m in messages}
    assert ("failed", 30003) in errors and ("undelivered", 30007) in errors
    assert any(m["status"] == "queued" and m["date_sent"] is None for m in messages)
    content_types = {item["content_type"] for m in messages for item in m["media"]}
    assert "application/pdf" in content_types
    assert 'text/html"><script>window.__xss=1</script>' in content_types


def test_bench_seed_is_fast_and_cursor_pages_are_disjoint(sandbox: RunningSandbox) -> None:
    started = time.monotonic()
    counts = requests.post(
        f"{sandbox.url}/_sandbox/seed",
        json={
            "messages": 10_000,
            "numbers": 30,
            "mediaPerMessage": 3,
            "practiceNumber": MAIN_LINE,
            "reset": True,
        },
        timeout=30,
    ).json()
    seeded_in = time.monotonic() - started
    assert counts["messages"] == 10_000 and counts["totalMessages"] == 10_000
    assert counts["media"] == 3_000
    assert seeded_in < 5, seeded_in

    started = time.monotonic()
    page = requests.get(
        f"{sandbox.rest_base}Messages.json?PageSize=50", auth=AUTH, timeout=5
    ).json()
    assert time.monotonic() - started < 0.5
    seen: list[str] = []
    for _ in range(3):
        assert len(page["messages"]) == 50
        seen += [m["sid"] for m in page["messages"]]
        page = requests.get(sandbox.url + page["next_page_uri"], auth=AUTH, timeout=5).json()
    assert len(set(seen)) == 150

    deep = requests.get(
        f"{sandbox.rest_base}Messages.json?PageSize=1000&To=%2B15550200007", auth=AUTH, timeout=5
    ).json()
    assert deep["messages"] and all(m["to"] == "+15550200007" for m in deep["messages"])


def test_bad_page_token_is_a_400(sandbox: RunningSandbox) -> None:
    response = requests.get(
        f"{sandbox.rest_base}Messages.json?PageToken=nope", auth=AUTH, timeout=5
    )
    assert response.status_code == 400 and response.json()["status"] == 400


def test_phone_page_escapes_everything_and_sends(sandbox: RunningSandbox) -> None:
    page = requests.get(
        f"{sandbox.url}/_sandbox/phone", params={"patient": "+15550177777"}, timeout=5
    )
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "<script>window.__xss" not in page.text and 'onerror="window' not in page.text
    assert "&lt;img src=x onerror=&quot;window.__xss=1&quot;&gt;" in page.text

    sent = requests.post(
        f"{sandbox.url}/_sandbox/phone/send",
        data={"patient": MARIA, "practice": MAIN_LINE, "body": "from the page", "asset": "red.png"},
        allow_redirects=False,
        timeout=5,
    )
    assert sent.status_code == 303 and sent.headers["Location"].startswith("/_sandbox/phone?")
    latest = dump(sandbox, **{"from": MARIA})[0]
    assert latest["body"] == "from the page" and latest["num_media"] == 1
    assert latest["direction"] == "inbound" and latest["status"] == "received"


def test_command_line_serves_until_sigterm(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "devtools.twilio_sandbox",
        "--port",
        "0",
        "--db",
        str(tmp_path / "sandbox.sqlite3"),
        "--account-sid",
        ACCOUNT_SID,
        "--api-key",
        API_KEY,
        "--api-secret",
        API_SECRET,
        "--auth-token",
        AUTH_TOKEN,
        "--seed",
        "demo",
        "--status-step-ms",
        "50",
    ]
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        command,
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = line.strip().rsplit(" ", 1)[-1]
        assert url.startswith("http://127.0.0.1:")
        assert requests.get(f"{url}/_sandbox/health", timeout=5).status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
