"""What the SDK's own Twilio client costs for the same clicks, counted against the stand-in.

The plugin wraps `canvas_sdk.clients.twilio.SmsClient` because of its costs: its list generators
follow `next_page_uri` to the end of the history, `send_sms_mms` looks the sender up before every
send, and `set_inbound_webhook` returns a bool (showing the updated number needs a second GET).
This runs each SDK call once, in the bench process (no runner), with the same injected delay.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from canvas_sdk.clients.twilio.constants.date_operation import DateOperation
from canvas_sdk.clients.twilio.constants.http_method import HttpMethod
from canvas_sdk.clients.twilio.libraries import SmsClient
from canvas_sdk.clients.twilio.structures import Settings, SmsMms
from canvas_sdk.utils import Http

from devtools import demo_data
from devtools.bench_client import SandboxAdmin
from devtools.stack import SandboxProcess

SDK_PAGE_SIZE = 50  # Twilio's default PageSize, which the SDK never changes


@dataclass(frozen=True)
class SdkCosts:
    """Requests (and, for the long ones, the time) per action with the SDK as-is."""

    phone_list: str
    log_first_page: str
    log_next_page: str
    details: str
    media_list: str
    media_item: str
    send: str
    set_webhook: str


def counted(admin: SandboxAdmin, call: Callable[[], Any]) -> tuple[int, float]:
    """(Twilio requests, seconds) one call costs."""
    admin.reset_stats()
    began = time.perf_counter()
    call()
    return sum(admin.stats().values()), time.perf_counter() - began


def measure_sdk_costs(
    sandbox: SandboxProcess, admin: SandboxAdmin, practice: str, inbound_url: str
) -> SdkCosts:
    """Run the SDK's calls for each action once and count the stand-in's requests."""
    client = SmsClient(Settings(demo_data.ACCOUNT_SID, demo_data.API_KEY, demo_data.API_SECRET))
    client.http = Http(f"{sandbox.url}/2010-04-01/Accounts/{demo_data.ACCOUNT_SID}/")
    phones = {p.phone_number: p.sid for p in client.account_phone_numbers()}
    mms = admin.message_with_media(practice)
    message_sid, media_sid = str(mms["sid"]), str(mms["media"][0]["sid"])

    def walk() -> list:
        return list(client.retrieve_all_sms("", practice, "", DateOperation.ON_EXACTLY))

    def second_page() -> list:
        rows = client.retrieve_all_sms("", practice, "", DateOperation.ON_EXACTLY)
        return list(itertools.islice(rows, 2 * SDK_PAGE_SIZE))

    def details() -> None:
        client.retrieve_sms(message_sid)
        list(client.retrieve_media_list(message_sid))

    def send() -> None:
        client.send_sms_mms(
            SmsMms(
                number_from=practice,
                number_from_sid=phones[practice],
                number_to=demo_data.MARIA.phones[0].value,
                message="Bench: sent with the SDK as-is.",
                media_url="",
                status_callback_url="",
            )
        )

    def set_webhook() -> None:
        sid = phones[practice]
        client.set_inbound_webhook(sid, inbound_url, HttpMethod.POST)
        client.account_phone_number(sid)  # the UI shows the number as it is now

    phone_n, _ = counted(admin, lambda: list(client.account_phone_numbers()))
    walk_n, walk_s = counted(admin, walk)
    page2_n, _ = counted(admin, second_page)
    details_n, _ = counted(admin, details)
    media_n, _ = counted(admin, lambda: list(client.retrieve_media_list(message_sid)))
    item_n, _ = counted(admin, lambda: client.retrieve_raw_media(message_sid, media_sid))
    send_n, _ = counted(admin, send)
    hook_n, _ = counted(admin, set_webhook)
    return SdkCosts(
        phone_list=f"{phone_n}",
        log_first_page=f"{walk_n} sequential, {walk_s:.1f} s (walks every page)",
        log_next_page=f"{walk_n} (walks every page), {page2_n} if stopped after page 2",
        details=f"{details_n}, sequential",
        media_list=f"{media_n}",
        media_item=f"{item_n}",
        send=f"{send_n}, sequential (GETs the sender first)",
        set_webhook=f"{hook_n} (1 POST that returns a bool + 1 GET to show the number)",
    )
