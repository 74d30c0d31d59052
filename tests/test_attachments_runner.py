"""Attachments through the real runner: upload, send, the stand-in fetches the public URL.

The stand-in fetches each MediaUrl on this machine as Twilio does (GET, no credentials) through
the chart preview, which hands it to the runner without a session, exactly like a webhook.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from uuid import uuid4

import pytest
import requests

from devtools import demo_data
from devtools.bench_burst import StoredMessages
from devtools.bench_client import STAFF_HEADERS, PluginDriver, phone_sids, public_base_url
from devtools.runner_client import ApiResult
from devtools.stack import LocalStack

pytestmark = pytest.mark.runner

MAIN_LINE = demo_data.MAIN_LINE.phone_number
MARIAS_MOBILE = demo_data.MARIA.phones[0].value
BOUNDARY = "----runnerattach0123456789"
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 12_000  # ~3 MB


def multipart(name: str, content_type: str, content: bytes) -> bytes:
    head = (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="files"; filename="{name}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{BOUNDARY}--\r\n".encode()


@pytest.fixture(scope="module")
def plugin(local_stack: LocalStack) -> Iterator[PluginDriver]:
    yield PluginDriver(local_stack.runner, demo_data.AUTH_TOKEN, public_base_url())


def upload(plugin: PluginDriver, content: bytes) -> ApiResult:
    headers = STAFF_HEADERS | {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
    return plugin.runner.simple_api(
        "POST", "/attachments", "", multipart("wound.jpg", "image/jpeg", content), headers
    )


def send(plugin: PluginDriver, ids: list[str], text: str) -> ApiResult:
    payload = {
        "clientRequestId": uuid4().hex,
        "numberFrom": MAIN_LINE,
        "numberFromSid": phone_sids(plugin.phone_list())[MAIN_LINE],
        "numberTo": MARIAS_MOBILE,
        "text": text,
        "callbackUrl": "",
        "attachmentIds": ids,
        "patientId": demo_data.MARIA.key,
    }
    return plugin.post_json("/sms_send", payload)


def thread_message(plugin: PluginDriver, sid: str) -> dict:
    result = plugin.get(f"/patients/{demo_data.MARIA.key}/thread", {"markRead": 0})
    return next(m for m in result.json()["messages"] if m["sid"] == sid)


def test_an_uploaded_photo_reaches_twilio_through_the_public_url(plugin: PluginDriver) -> None:
    uploaded = upload(plugin, PHOTO)
    assert uploaded.status == 201, uploaded.body
    ids = [item["id"] for item in uploaded.json()["attachments"]]

    sent = send(plugin, ids, f"Your wound-care sheet [{uuid4().hex[:8]}]")

    assert sent.status == 201, sent.body
    sid = sent.json()["message"]["sid"]
    media = plugin.get(f"/medias/{sid}").json()["media"]
    assert [item["contentType"] for item in media] == ["image/jpeg"]
    fetched = plugin.get(media[0]["url"].split("/twilio_sms_mms", 1)[1])
    assert fetched.status == 200
    assert fetched.body == PHOTO  # the stand-in stored the bytes it fetched, not a placeholder
    deadline = time.monotonic() + 10
    while thread_message(plugin, sid)["status"] != "delivered" and time.monotonic() < deadline:
        time.sleep(0.2)
    shown = thread_message(plugin, sid)
    assert shown["status"] == "delivered"
    assert shown["mediaCount"] == 1


def test_the_public_url_is_served_without_a_session_and_404_with_a_wrong_token(
    plugin: PluginDriver,
) -> None:
    ids = [item["id"] for item in upload(plugin, PHOTO[:5000]).json()["attachments"]]
    base = f"{public_base_url()}/plugin-io/api/twilio_sms_mms/public_media/{ids[0]}"

    wrong = requests.get(f"{base}/{'A' * 32}", timeout=10)

    assert wrong.status_code == 404
    assert PHOTO[:5000] not in wrong.content


def test_a_media_url_that_answers_404_fails_the_message_with_11200(plugin: PluginDriver) -> None:
    text = f"Gone media [{uuid4().hex[:8]}]"
    missing = f"{public_base_url()}/plugin-io/api/twilio_sms_mms/public_media/{'0' * 16}/{'A' * 32}"

    sent = plugin.post_json(
        "/sms_send",
        {
            "clientRequestId": uuid4().hex,
            "numberFrom": MAIN_LINE,
            "numberFromSid": phone_sids(plugin.phone_list())[MAIN_LINE],
            "numberTo": MARIAS_MOBILE,
            "text": text,
            "callbackUrl": "",
            "mediaUrl": [missing],
            "patientId": demo_data.MARIA.key,
        },
    )

    assert sent.status == 201, sent.body  # Twilio accepts, then fails it after fetching
    sid = sent.json()["message"]["sid"]
    deadline = time.monotonic() + 10
    while thread_message(plugin, sid)["status"] != "failed" and time.monotonic() < deadline:
        time.sleep(0.2)
    shown = thread_message(plugin, sid)
    assert (shown["status"], shown["errorCode"]) == ("failed", 11200)
    assert "attach the file again" in shown["errorExplanation"]


def test_head_on_the_public_url_is_404_through_the_runner_while_get_serves_it(
    plugin: PluginDriver, local_stack: LocalStack
) -> None:
    """SimpleAPI routes only GET/POST/PUT/DELETE/PATCH: the runner answers a HEAD with 404."""
    media_id = upload(plugin, PHOTO[:5000]).json()["attachments"][0]["id"]
    query = "SELECT token FROM {schema}attachment WHERE public_id IN ({marks})"
    token = StoredMessages(local_stack)._query(query, [media_id])[0][0]
    path = f"/public_media/{media_id}/{token}"

    got = plugin.runner.simple_api("GET", path)
    head = plugin.runner.simple_api("HEAD", path)

    assert (got.status, got.body) == (200, PHOTO[:5000])
    assert head.status == 404
