"""Twilio's official Python library (`twilio`, a test dependency) drives the stand-in.

If the stand-in stops speaking real Twilio (paths, paging, JSON, error bodies), the library that
Twilio wrote and maintains fails here. The plugin itself never imports `twilio`.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from devtools.twilio_sandbox import RunningSandbox
from tests.devtools.conftest import ACCOUNT_SID, API_KEY, API_SECRET

MAIN_LINE = "+15550100001"
MARIA = "+15550123456"
FINAL = {"delivered", "undelivered", "failed", "received", "read", "canceled"}


class StandInHttpClient(TwilioHttpClient):
    """Twilio's own HTTP client, with api.twilio.com swapped for the stand-in's address."""

    def __init__(self, base_url: str) -> None:
        super().__init__(timeout=10)
        self.base = urlsplit(base_url)
        self.hosts: list[str] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        parts = urlsplit(url)
        self.hosts.append(parts.netloc)
        local = urlunsplit((self.base.scheme, self.base.netloc, parts.path, parts.query, ""))
        return super().request(method, local, *args, **kwargs)


@pytest.fixture
def client(sandbox: RunningSandbox) -> Client:
    http = StandInHttpClient(sandbox.url)
    return Client(API_KEY, API_SECRET, ACCOUNT_SID, http_client=http)


def wait_until_final(client: Client, sid: str, seconds: float = 5.0) -> str:
    deadline = time.monotonic() + seconds
    while (status := client.messages(sid).fetch().status) not in FINAL:
        assert time.monotonic() < deadline, f"{sid} stayed {status}"
        time.sleep(0.02)
    return str(status)


def test_the_library_talks_to_twilios_host_through_the_stand_in(client: Client) -> None:
    client.incoming_phone_numbers.list(limit=1)

    assert client.http_client.hosts == ["api.twilio.com"]  # type: ignore[attr-defined]


def test_send_then_fetch(client: Client) -> None:
    message = client.messages.create(to=MARIA, from_=MAIN_LINE, body="Your visit is at 9.")

    assert message.sid.startswith("SM") and message.status == "queued"
    assert message.to == MARIA and message.from_ == MAIN_LINE
    assert message.num_segments == "1" and message.direction == "outbound-api"
    assert message.date_created is not None
    fetched = client.messages(message.sid).fetch()
    assert fetched.body == "Your visit is at 9."
    assert wait_until_final(client, message.sid) == "delivered"
    assert client.messages(message.sid).fetch().date_sent is not None


def test_library_pages_through_messages_newest_first(client: Client) -> None:
    everything = client.messages.list(page_size=1000)
    paged = client.messages.list(page_size=3, limit=10)
    first_page = client.messages.page(page_size=3)
    second_page = first_page.next_page()

    assert len(everything) > 6
    assert [m.sid for m in paged] == [m.sid for m in everything[:10]]
    assert len({m.sid for m in paged}) == len(paged)
    assert second_page is not None
    assert {m.sid for m in first_page}.isdisjoint({m.sid for m in second_page})
    created = [m.date_created for m in everything]
    assert created == sorted(created, reverse=True)


def test_library_filters_messages_by_sender(client: Client) -> None:
    sent = client.messages.list(from_=MAIN_LINE, page_size=2, limit=6)

    assert sent and all(m.from_ == MAIN_LINE for m in sent)


def test_library_reads_media_lists_and_items(client: Client, sandbox: RunningSandbox) -> None:
    with_media = [m for m in client.messages.list(page_size=1000) if m.num_media != "0"]
    assert with_media

    for message in with_media:
        media = client.messages(message.sid).media.list()
        assert len(media) == int(message.num_media)
        for item in media:
            fetched = client.messages(message.sid).media(item.sid).fetch()
            assert fetched.content_type == item.content_type
            assert fetched.parent_sid == message.sid
            raw = requests.get(
                f"{sandbox.url}{item.uri.removesuffix('.json')}",
                auth=(API_KEY, API_SECRET),
                timeout=5,
            )
            assert raw.status_code == 200
            assert raw.headers["Content-Type"].split(";")[0] == item.content_type


def test_delete_before_final_is_20009_then_delete_works(client: Client) -> None:
    message = client.messages.create(to=MARIA, from_=MAIN_LINE, body="Delete me later")

    with pytest.raises(TwilioRestException) as early:
        client.messages(message.sid).delete()
    assert early.value.status == 409
    assert early.value.code == 20009
    assert "before it is complete" in early.value.msg

    wait_until_final(client, message.sid)
    assert client.messages(message.sid).delete() is True
    with pytest.raises(TwilioRestException) as gone:
        client.messages(message.sid).fetch()
    assert (gone.value.status, gone.value.code) == (404, 20404)


def test_library_updates_a_numbers_inbound_webhook(client: Client) -> None:
    phone = next(p for p in client.incoming_phone_numbers.list() if p.phone_number == MAIN_LINE)

    updated = client.incoming_phone_numbers(phone.sid).update(
        sms_url="https://clinic.example.org/in", sms_method="GET"
    )

    assert (updated.sms_url, updated.sms_method) == ("https://clinic.example.org/in", "GET")
    assert updated.capabilities["sms"] is True


def test_library_reads_twilios_errors(client: Client) -> None:
    with pytest.raises(TwilioRestException) as invalid:
        client.messages.create(to="not a number", from_=MAIN_LINE, body="x")
    assert invalid.value.status == 400 and invalid.value.code

    sid = client.messages.list(limit=1)[0].sid
    bad = Client(API_KEY, "wrong-secret", ACCOUNT_SID, http_client=client.http_client)
    with pytest.raises(TwilioRestException) as refused:
        bad.messages(sid).fetch()
    assert (refused.value.status, refused.value.code) == (401, 20003)
