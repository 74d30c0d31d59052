"""Attachments from the clinician's device (issue 11): upload, public media URL, send, expiry."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from tests import twilio_json as tj
from tests.plugin_harness import (
    NON_ADMIN_STAFF,
    PATIENT_SESSION,
    STAFF,
    FakeTwilioHttp,
    call_route,
)
from tests.test_send import MAIN, created
from twilio_sms_mms.constants.settings import is_public_route
from twilio_sms_mms.models.attachments import Attachment, AttachmentChunk
from twilio_sms_mms.models.records import TextMessage
from twilio_sms_mms.services import attachments

pytestmark = pytest.mark.django_db

JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + b"j" * 2000
PNG = b"\x89PNG\r\n\x1a\n" + b"p" * 500
GIF = b"GIF89a" + b"g" * 100
PDF = b"%PDF-1.7\n" + b"d" * 300
HEIC = b"\x00\x00\x00\x18ftypheic" + b"h" * 100
BOUNDARY = "----attachtestboundary7MA4YWxk"
PUBLIC_PREFIX = "https://clinic.example.org/plugin-io/api/twilio_sms_mms/public_media/"


def multipart(files: list[tuple[str, str, bytes]], boundary: str = BOUNDARY) -> bytes:
    """A multipart/form-data body with one `files` part per (name, type, bytes)."""
    out = b""
    for name, content_type, content in files:
        out += (
            (
                f"--{boundary}\r\n"
                f'Content-Disposition: form-data; name="files"; filename="{name}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n"
            ).encode()
            + content
            + b"\r\n"
        )
    return out + f"--{boundary}--\r\n".encode()


def upload(files: list[tuple[str, str, bytes]], headers: dict[str, str] = STAFF) -> Any:
    return call_route(
        "POST",
        "/attachments",
        body=multipart(files),
        headers={**headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )


def fetch(url: str, method: str = "GET") -> Any:
    """What Twilio gets for a MediaUrl: no session, no credentials."""
    assert url.startswith(PUBLIC_PREFIX)
    return call_route(method, "/public_media/" + url[len(PUBLIC_PREFIX) :], headers={})


def url_of(attachment_id: str) -> str:
    item = Attachment.objects.get(public_id=attachment_id)
    return f"{PUBLIC_PREFIX}{item.public_id}/{item.token}"


@pytest.fixture
def account(twilio: FakeTwilioHttp) -> FakeTwilioHttp:
    twilio.on("GET", rf"/IncomingPhoneNumbers/{tj.sid('PN', 1)}\.json", (200, tj.phone(1)))
    twilio.on(
        "GET",
        rf"/IncomingPhoneNumbers/{tj.sid('PN', 2)}\.json",
        (200, tj.phone(2, number="+15550100002", mms=False, label="Front desk")),
    )
    twilio.on("POST", r"/Messages\.json", created)
    return twilio


def send(ids: list[str], **extra: Any) -> Any:
    payload = MAIN | {
        "numberTo": "+15550123456",
        "text": "",
        "attachmentIds": ids,
        "clientRequestId": uuid4().hex,
        "confirmNoConsent": True,
        **extra,
    }
    return call_route("POST", "/sms_send", body=payload, headers=STAFF)


# Upload ------------------------------------------------------------------------------------


def test_upload_keeps_each_accepted_type_and_answers_ids_only() -> None:
    files = [("a.jpg", "image/jpeg", JPEG), ("b.png", "image/png", PNG)]
    files += [("c.gif", "image/gif", GIF)]
    result = upload([*files, ("Wound care.pdf", "application/pdf", PDF)])

    assert result.status == 201, result.body
    items = result.json()["attachments"]
    assert [i["contentType"] for i in items] == [
        "image/jpeg",
        "image/png",
        "image/gif",
        "application/pdf",
    ]
    assert [i["size"] for i in items] == [len(JPEG), len(PNG), len(GIF), len(PDF)]
    assert all(re.fullmatch(r"[0-9a-f]{16}", i["id"]) for i in items)
    assert "token" not in result.body.decode() and "http" not in result.body.decode()


def test_type_is_judged_by_the_bytes_not_the_declared_type() -> None:
    result = upload([("x.jpg", "image/jpeg", b"<svg onload=alert(1)>")])

    assert result.status == 400
    assert "JPEG, PNG, GIF and PDF" in result.json()["error"]["message"]
    assert Attachment.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content_type", "content"),
    [
        ("IMG_0001.HEIC", "image/heic", HEIC),
        ("photo.jpg", "image/jpeg", HEIC),  # renamed, still HEIC inside
        ("IMG_0002.heic", "application/octet-stream", b"anything"),
    ],
)
def test_heic_is_refused_with_export_as_jpeg(name: str, content_type: str, content: bytes) -> None:
    result = upload([(name, content_type, content)])

    assert result.status == 400
    assert "export it as JPEG" in result.json()["error"]["message"]


def test_more_than_ten_files_are_refused() -> None:
    result = upload([(f"{n}.png", "image/png", PNG) for n in range(11)])

    assert result.status == 400
    assert "At most 10" in result.json()["error"]["message"]
    assert Attachment.objects.count() == 0


def test_more_than_5_mb_together_is_refused_with_the_size() -> None:
    big = JPEG + b"x" * 2_600_000

    result = upload([("a.jpg", "image/jpeg", big), ("b.jpg", "image/jpeg", big)])

    assert result.status == 400
    assert "5.2 MB" in result.json()["error"]["message"]
    assert "5.0 MB" in result.json()["error"]["message"]


def test_a_large_file_is_kept_in_chunks_under_the_sdk_field_cap() -> None:
    photo = JPEG + bytes(range(256)) * 16_000  # ~4 MB, binary

    result = upload([("big.jpg", "image/jpeg", photo)])

    assert result.status == 201
    chunks = AttachmentChunk.objects.all()
    assert chunks.count() == 7  # 5.46 MB of base64 in 768 KiB rows
    assert max(len(c.data) for c in chunks) <= 1_048_576
    item = Attachment.objects.get()
    assert fetch(url_of(item.public_id)).body == photo


@pytest.mark.parametrize(
    ("headers", "status"), [({}, 401), (PATIENT_SESSION, 401), (NON_ADMIN_STAFF, 201)]
)
def test_upload_needs_a_staff_session(headers: dict[str, str], status: int) -> None:
    assert upload([("a.png", "image/png", PNG)], headers=headers).status == status


def test_upload_must_be_multipart() -> None:
    result = call_route("POST", "/attachments", body={"files": []}, headers=STAFF)

    assert result.status == 415


def test_a_broken_multipart_body_is_400_not_500() -> None:
    body = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="a=b.png"\r\n\r\n'
    )
    result = call_route(
        "POST",
        "/attachments",
        body=body.encode() + PNG + f"\r\n--{BOUNDARY}--\r\n".encode(),
        headers={**STAFF, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
    )

    assert result.status == 400


# The public route Twilio fetches ------------------------------------------------------------


def test_public_url_serves_the_bytes_with_their_type_and_nosniff_only(
    account: FakeTwilioHttp,
) -> None:
    ids = [
        i["id"] for i in upload([("Wound care.pdf", "application/pdf", PDF)]).json()["attachments"]
    ]
    send(ids)
    url = account.calls[-1].form["MediaUrl"][0]

    result = fetch(url)

    assert result.status == 200
    assert result.body == PDF
    assert result.headers == {
        "Content-Type": "application/pdf",
        "X-Content-Type-Options": "nosniff",
    }


def test_public_url_carries_no_phi_and_a_long_random_token(account: FakeTwilioHttp) -> None:
    ids = [
        i["id"]
        for i in upload([("Maria Lopez 5550123456.jpg", "image/jpeg", JPEG)]).json()["attachments"]
    ]
    send(ids, text="For Maria")
    url = account.calls[-1].form["MediaUrl"][0]

    tail = url[len(PUBLIC_PREFIX) :]
    media_id, token = tail.split("/")
    assert media_id == ids[0]
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", token)  # 24 random bytes = 192 bits
    for phi in ("Maria", "Lopez", "5550123456", "jpg", "+1555"):
        assert phi not in url


@pytest.mark.parametrize(
    "mangle",
    [
        lambda m, t: f"{m}/{t[:-1]}{'A' if t[-1] != 'A' else 'B'}",  # one character off
        lambda m, t: f"{m}/{t[:-1]}",  # too short
        lambda m, t: f"{m}",  # no token
        lambda m, t: f"{'0' * 16}/{t}",  # another id
        lambda m, t: "",  # a listing
        lambda m, t: f"{m}/",
    ],
)
def test_public_route_answers_404_without_a_valid_token(mangle: Any) -> None:
    item_id = upload([("a.png", "image/png", PNG)]).json()["attachments"][0]["id"]
    item = Attachment.objects.get(public_id=item_id)

    result = call_route("GET", f"/public_media/{mangle(item.public_id, item.token)}", headers={})

    assert result.status in (404,), result.status
    assert PNG not in result.body


def test_token_is_compared_in_constant_time(mocker: Any) -> None:
    spy = mocker.spy(attachments, "compare_digest")
    item_id = upload([("a.png", "image/png", PNG)]).json()["attachments"][0]["id"]

    call_route("GET", f"/public_media/{item_id}/{'A' * 32}", headers={})

    assert spy.call_count == 1


def test_public_route_needs_no_session_but_the_rest_still_do() -> None:
    assert is_public_route("/public_media/0123456789abcdef/token")
    assert is_public_route("/outbound_api_status") and is_public_route("/inbound_treatment")
    assert not is_public_route("/public_media") and not is_public_route("/public_mediax/a/b")
    assert not is_public_route("/attachments")
    assert upload([("a.png", "image/png", PNG)], headers={}).status == 401


# Expiry ------------------------------------------------------------------------------------


def age(item_id: str, **delta: float) -> None:
    item = Attachment.objects.get(public_id=item_id)
    Attachment.objects.filter(pk=item.pk).update(created=item.created - timedelta(**delta))


def test_an_unsent_upload_stops_working_after_24_hours_and_is_removed() -> None:
    item_id = upload([("a.png", "image/png", PNG)]).json()["attachments"][0]["id"]
    url = url_of(item_id)
    age(item_id, hours=23)
    assert fetch(url).status == 200

    age(item_id, hours=1)
    assert fetch(url).status == 404
    upload([("b.png", "image/png", PNG)])  # any upload sweeps

    assert not Attachment.objects.filter(public_id=item_id).exists()
    assert not AttachmentChunk.objects.filter(public_id=item_id).exists()


def test_a_sent_upload_lives_until_24_hours_after_the_final_status(
    account: FakeTwilioHttp,
) -> None:
    item_id = upload([("a.png", "image/png", PNG)]).json()["attachments"][0]["id"]
    assert send([item_id]).status == 201
    url = account.calls[-1].form["MediaUrl"][0]
    age(item_id, hours=30)  # past the unsent limit, but it went out and is not final
    assert fetch(url).status == 200

    sid = Attachment.objects.get(public_id=item_id).message_sid
    message = TextMessage.objects.get(sid=sid)
    TextMessage.objects.filter(pk=message.pk).update(
        status="delivered", updated=message.updated - timedelta(hours=23)
    )
    assert fetch(url).status == 200
    TextMessage.objects.filter(pk=message.pk).update(updated=message.updated - timedelta(hours=25))
    assert fetch(url).status == 404


def test_a_sent_upload_stops_after_7_days_even_without_a_final_status(
    account: FakeTwilioHttp,
) -> None:
    item_id = upload([("a.png", "image/png", PNG)]).json()["attachments"][0]["id"]
    send([item_id])
    url = account.calls[-1].form["MediaUrl"][0]

    age(item_id, days=7)

    assert fetch(url).status == 404


# Send --------------------------------------------------------------------------------------


def test_send_turns_uploads_into_media_urls_after_typed_ones(account: FakeTwilioHttp) -> None:
    items = upload([("a.png", "image/png", PNG), ("b.gif", "image/gif", GIF)]).json()
    ids = [i["id"] for i in items["attachments"]]

    result = send(ids, mediaUrl="https://a.example/typed.png", text="Your sheet")

    assert result.status == 201, result.body
    media = account.calls[-1].form["MediaUrl"]
    assert media[0] == "https://a.example/typed.png"
    assert [m.split("/")[-2] for m in media[1:]] == ids
    assert result.json()["message"]["mediaCount"] == 3
    assert fetch(media[2]).body == GIF


def test_another_staff_members_upload_cannot_be_sent(account: FakeTwilioHttp) -> None:
    item_id = upload([("a.png", "image/png", PNG)], headers=NON_ADMIN_STAFF).json()["attachments"]
    before = len(account.calls)

    result = send([item_id[0]["id"]])

    assert result.status == 410
    assert result.json()["error"]["reason"] == "attachment_gone"
    assert len(account.calls) == before


def test_an_expired_upload_cannot_be_sent(account: FakeTwilioHttp) -> None:
    item_id = upload([("a.png", "image/png", PNG)]).json()["attachments"][0]["id"]
    age(item_id, hours=25)

    result = send([item_id])

    assert result.status == 410
    assert "attach the file again" in result.json()["error"]["message"]


def test_uploads_from_an_sms_only_number_are_refused_before_the_post(
    account: FakeTwilioHttp,
) -> None:
    item_id = upload([("a.png", "image/png", PNG)]).json()["attachments"][0]["id"]

    result = send(
        [item_id],
        numberFrom="+15550100002",
        numberFromSid=tj.sid("PN", 2),
    )

    assert result.status == 400 or result.status == 409, result.body
    assert not [c for c in account.calls if c.method == "POST"]


@pytest.mark.parametrize("bad", ["abc", [1, 2], ["x"] * 11])
def test_bad_attachment_ids_are_400(account: FakeTwilioHttp, bad: Any) -> None:
    result = send(bad)

    assert result.status == 400
    assert result.json()["error"]["field"] == "attachmentIds"


def test_a_replayed_send_with_uploads_posts_once(account: FakeTwilioHttp) -> None:
    item_id = upload([("a.png", "image/png", PNG)]).json()["attachments"][0]["id"]
    payload = MAIN | {
        "numberTo": "+15550123456",
        "text": "",
        "attachmentIds": [item_id],
        "clientRequestId": "replay-key-1234",
        "confirmNoConsent": True,
    }
    first = call_route("POST", "/sms_send", body=payload, headers=STAFF)
    again = call_route("POST", "/sms_send", body=payload, headers=STAFF)

    assert first.status == again.status == 201
    assert again.json()["replayed"] is True
    assert len([c for c in account.calls if c.method == "POST"]) == 1


def test_the_hourly_sweep_removes_uploads_nobody_sent_within_24_hours() -> None:
    from canvas_generated.messages.events_pb2 import Event as EventRequest
    from canvas_sdk.events import Event, EventType

    from twilio_sms_mms.handlers.attachment_sweep import AttachmentSweep

    old = upload([("old.png", "image/png", PNG)]).json()["attachments"][0]["id"]
    new = upload([("new.png", "image/png", PNG)]).json()["attachments"][0]["id"]
    age(old, hours=24, minutes=1)

    def run_at(stamp: str) -> None:
        event = Event(EventRequest(type=EventType.CRON, target=stamp))
        AttachmentSweep(event, {}, {}).compute()

    run_at("2026-12-03T10:16:00+00:00")  # not its minute
    assert Attachment.objects.filter(public_id=old).exists()
    run_at("2026-12-03T10:17:00+00:00")
    assert not Attachment.objects.filter(public_id=old).exists()
    assert not AttachmentChunk.objects.filter(public_id=old).exists()
    assert Attachment.objects.filter(public_id=new).exists()


def test_deleting_the_message_removes_its_uploads(account: FakeTwilioHttp) -> None:
    item_id = upload([("a.png", "image/png", PNG)]).json()["attachments"][0]["id"]
    send([item_id])
    url = account.calls[-1].form["MediaUrl"][0]
    sid = Attachment.objects.get(public_id=item_id).message_sid
    TextMessage.objects.filter(sid=sid).update(status="delivered")
    account.on("DELETE", rf"/Messages/{sid}\.json", (204, None))

    assert call_route("DELETE", f"/message_delete/{sid}", headers=STAFF).status == 200

    assert fetch(url).status == 404
    assert not AttachmentChunk.objects.filter(public_id=item_id).exists()
