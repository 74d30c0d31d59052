"""Attachments from the clinician's device (issue 11), as the clinician sees them in the Send tab.

Real stack: the app uploads to the runner (`POST /attachments`), sends with `attachmentIds`, and
the Twilio stand-in fetches each file from the plugin's public media route like Twilio does (it
stores a placeholder for anything else, so a stored JPEG of the uploaded size proves the fetch);
the thread and the Log show what the stand-in holds, through the plugin's media routes.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import JSHandle, Locator, ViewportSize, expect

from devtools import demo_data
from devtools.stack import LocalStack
from tests.browser.app_steps import (
    choose_recipient,
    choose_sender,
    item_with_text,
    open_message,
    show_log,
)
from tests.browser.conftest import SCREENSHOT_DIR, ChartSession, OpenChart
from tests.browser.media_files import (
    HEIC,
    PDF,
    PHONE_PHOTO_SIDES,
    FilePayload,
    payload,
    phone_photo,
    png,
    transfer_files,
)
from tests.browser.stand_in import MAIN, MARIA_MOBILE, sandbox_messages, wait_for
from twilio_sms_mms.constants.settings import (
    MEDIA_MAX_COUNT,
    MEDIA_MAX_TOTAL_BYTES,
    PHOTO_MAX_SIDE_PX,
)

pytestmark = pytest.mark.browser

# Sizes the chart so the app's pane is about 450 x 800, as in Canvas's right pane.
PANE_VIEWPORT: ViewportSize = {"width": 731, "height": 933}

SEND_TIMEOUT_MS = 15_000


@pytest.fixture
def clean_faults(local_stack: LocalStack) -> Iterator[LocalStack]:
    """The stand-in without injected faults before and after the test."""
    requests.delete(f"{local_stack.sandbox_url}/_sandbox/faults", timeout=5)
    yield local_stack
    requests.delete(f"{local_stack.sandbox_url}/_sandbox/faults", timeout=5)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """docs/screenshots/ when UPDATE_SCREENSHOTS=1, else a temporary folder (tree stays clean)."""
    return SCREENSHOT_DIR if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path


def composer_for_maria(open_chart: OpenChart, text: str) -> ChartSession:
    """Maria's chart (pane-sized), live, a draft to her mobile from the Main line (with MMS)."""
    chart = open_chart(demo_data.MARIA.key, viewport=PANE_VIEWPORT)
    chart.tab("send")
    expect(chart.tid("live-state")).to_have_attribute("data-state", "live")
    choose_recipient(chart, MARIA_MOBILE)
    choose_sender(chart, MAIN)
    chart.tid("send-text").fill(text)
    return chart


def attached(chart: ChartSession) -> Locator:
    return chart.tid("attachment")


def bubble(chart: ChartSession, text: str) -> Locator:
    return chart.tid("thread-message").filter(
        has=chart.app.get_by_test_id("bubble-body").get_by_text(text, exact=True)
    )


def stored_media(stack: LocalStack, text: str) -> list[dict[str, Any]]:
    """The media the stand-in holds for the message sent with `text` (after its fetch)."""
    found = wait_for(
        lambda: next(
            (m for m in sandbox_messages(stack, to=MARIA_MOBILE, limit=50) if m["body"] == text),
            None,
        ),
        what=f"the stand-in's message {text!r}",
    )
    return list(found["media"])


def pick(chart: ChartSession, files: list[FilePayload]) -> list[dict[str, Any]]:
    """Attach through the file picker; return the upload's answer (ids, types, sizes)."""
    with chart.page.expect_response(lambda r: r.url.endswith("/attachments")) as answer:
        chart.tid("attach-input").set_input_files(files)
    assert answer.value.status == 201, answer.value.text()
    return list(answer.value.json()["attachments"])


def test_a_photo_and_a_pdf_picked_are_sent_and_shown_in_the_thread_and_the_log(
    local_stack: LocalStack, open_chart: OpenChart, shots: Path
) -> None:
    text = f"Wound care sheet and photo [{uuid.uuid4().hex[:6]}]"
    chart = composer_for_maria(open_chart, text)
    photo = png(64, 48, (214, 156, 120))

    sheet = payload("Wound care.pdf", "application/pdf", PDF)
    uploads = pick(chart, [payload("wound.png", "image/png", photo), sheet])

    expect(attached(chart)).to_have_count(2)
    expect(attached(chart).first).to_contain_text("wound.png")
    expect(attached(chart).first.locator("img")).to_have_js_property("complete", True)
    expect(attached(chart).nth(1)).to_contain_text("Wound care.pdf")
    expect(chart.tid("attach-pdf-warning")).to_have_text("Some phones receive a PDF as a link.")
    limit = f"{MEDIA_MAX_TOTAL_BYTES / 1e6:.1f} MB"
    expect(chart.tid("attach-total")).to_have_text(f"1 kB of {limit}")
    chart.tid("attachments").scroll_into_view_if_needed()
    chart.screenshot("composer-attachments.png", chart.page.locator("#app-frame"), shots)
    chart.tid("send-button").click()

    sent = bubble(chart, text)
    image = sent.get_by_test_id("media-image")
    expect(image).to_have_count(1, timeout=SEND_TIMEOUT_MS)
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [64, 48]
    expect(sent.get_by_test_id("media-download")).to_have_text(re.compile(r"PDF document"))
    expect(attached(chart)).to_have_count(0)
    expect(chart.tid("send-text")).to_have_value("")
    media = stored_media(local_stack, text)
    assert [(m["content_type"], m["size"]) for m in media] == [
        (item["contentType"], item["size"]) for item in uploads
    ]
    assert [m["size"] for m in media] == [len(photo), len(PDF)]

    show_log(chart, MAIN)
    detail = open_message(chart, item_with_text(chart, text))
    expect(detail.get_by_test_id("media-image")).to_have_count(1)
    expect(detail.get_by_test_id("media-download")).to_have_text(re.compile(r"PDF document"))
    chart.assert_clean()


def test_a_pasted_screenshot_and_a_dropped_pdf_are_attached_and_removed_with_x(
    open_chart: OpenChart,
) -> None:
    chart = composer_for_maria(open_chart, "See the attached")
    frame = chart.app_frame()

    def paste(data: JSHandle) -> bool:
        """Dispatch a paste into the message box; True when the app took it (no text pasted)."""
        return bool(
            chart.tid("send-text").evaluate(
                "(box, data) => !box.dispatchEvent(new ClipboardEvent('paste',"
                " { clipboardData: data, bubbles: true, cancelable: true }))",
                data,
            )
        )

    # Text copied from a document can carry a picture of itself: the text is what is pasted.
    from_a_document = transfer_files(
        frame, [payload("image.png", "image/png", png(30, 20))], text="Take one tablet daily"
    )
    assert paste(from_a_document) is False
    screenshot = transfer_files(frame, [payload("image.png", "image/png", png(30, 20))])
    assert paste(screenshot) is True
    expect(attached(chart)).to_have_count(1)
    expect(attached(chart)).to_contain_text("image.png")

    dropped = transfer_files(frame, [payload("Instructions.pdf", "application/pdf", PDF)])
    chart.app.locator("#send-form").dispatch_event("drop", {"dataTransfer": dropped})
    expect(attached(chart)).to_have_count(2)
    expect(attached(chart).nth(1)).to_contain_text("Instructions.pdf")

    chart.app.get_by_role("button", name="Remove image.png").click()
    expect(attached(chart)).to_have_count(1)
    expect(attached(chart)).to_contain_text("Instructions.pdf")
    chart.assert_clean()


def test_a_6_mb_phone_photo_is_downscaled_in_the_browser_and_twilio_fetches_it(
    local_stack: LocalStack, open_chart: OpenChart
) -> None:
    text = f"Photo of the rash [{uuid.uuid4().hex[:6]}]"
    chart = composer_for_maria(open_chart, text)
    photo = phone_photo(chart.app_frame())
    assert len(photo) > MEDIA_MAX_TOTAL_BYTES + 1_000_000  # over Twilio's limit on its own

    uploads = pick(chart, [payload("IMG_4032.jpg", "image/jpeg", photo)])

    assert [item["contentType"] for item in uploads] == ["image/jpeg"]
    assert uploads[0]["size"] < 1_500_000, uploads
    expect(attached(chart)).to_contain_text("IMG_4032.jpg")
    expect(chart.tid("attach-note")).to_have_text("")
    chart.tid("send-button").click()

    image = bubble(chart, text).get_by_test_id("media-image")
    expect(image).to_have_count(1, timeout=SEND_TIMEOUT_MS)
    expect(image).to_have_js_property("complete", True)
    width, height = image.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    long_side, short_side = PHONE_PHOTO_SIDES
    assert (width, height) == (PHOTO_MAX_SIDE_PX, PHOTO_MAX_SIDE_PX * short_side // long_side)
    media = stored_media(local_stack, text)
    assert [(m["content_type"], m["size"]) for m in media] == [("image/jpeg", uploads[0]["size"])]
    chart.assert_clean()


def test_heic_other_types_and_a_file_over_the_count_are_refused_before_any_upload(
    open_chart: OpenChart,
) -> None:
    chart = composer_for_maria(open_chart, "Files")
    uploads: list[str] = []
    chart.page.on(
        "request", lambda r: uploads.append(r.url) if r.url.endswith("/attachments") else None
    )

    chart.tid("attach-input").set_input_files([payload("IMG_0001.HEIC", "image/heic", HEIC)])
    expect(chart.tid("attach-note")).to_have_text(
        "IMG_0001.HEIC: HEIC photos cannot be sent by MMS; export it as JPEG first."
    )
    chart.tid("attach-input").set_input_files([payload("notes.txt", "text/plain", b"hello")])
    expect(chart.tid("attach-note")).to_have_text(
        "notes.txt: only JPEG, PNG, GIF and PDF files can be attached."
    )
    assert uploads == []
    expect(attached(chart)).to_have_count(0)

    too_many = [
        payload(f"page-{n}.png", "image/png", png(8, 8, (n * 20, 0, 0)))
        for n in range(MEDIA_MAX_COUNT + 1)
    ]
    chart.tid("attach-input").set_input_files(too_many)
    expect(attached(chart)).to_have_count(MEDIA_MAX_COUNT)
    refused = f"At most {MEDIA_MAX_COUNT} files per message."
    expect(chart.tid("attach-note")).to_have_text(refused)
    assert len(uploads) == 1  # the files that fit, in one upload
    chart.tid("attach-input").set_input_files([payload("extra.png", "image/png", png(8, 8))])
    expect(chart.tid("attach-note")).to_have_text(refused)
    assert len(uploads) == 1
    chart.assert_clean()


def test_a_number_without_mms_offers_no_attach_and_refuses_a_drop(open_chart: OpenChart) -> None:
    chart = composer_for_maria(open_chart, "Hello")
    choose_sender(chart, demo_data.SMS_LINE.phone_number)

    expect(chart.tid("attach-input")).to_have_count(0)
    expect(chart.tid("attach-total")).to_have_text(
        "This number cannot send photos or PDFs (no MMS)."
    )
    dropped = transfer_files(chart.app_frame(), [payload("a.png", "image/png", png())])
    chart.app.locator("#send-form").dispatch_event("drop", {"dataTransfer": dropped})
    expect(chart.tid("attach-note")).to_contain_text("no MMS")
    expect(attached(chart)).to_have_count(0)
    chart.assert_clean()


def test_the_draft_with_its_attachments_survives_a_failed_send(
    clean_faults: LocalStack, open_chart: OpenChart
) -> None:
    text = f"Your discharge papers [{uuid.uuid4().hex[:6]}]"
    chart = composer_for_maria(open_chart, text)
    pick(chart, [payload("Discharge.pdf", "application/pdf", PDF)])
    expect(attached(chart)).to_have_count(1)
    # Twilio refuses the next request.
    requests.post(
        f"{clean_faults.sandbox_url}/_sandbox/faults",
        json={"failStatus": 400, "failCount": 1},
        timeout=5,
    ).raise_for_status()

    chart.tid("send-button").click()

    expect(chart.tid("send-error")).to_contain_text("Not sent")
    expect(chart.tid("send-text")).to_have_value(text)
    expect(attached(chart)).to_have_count(1)
    expect(attached(chart)).to_contain_text("Discharge.pdf")
    expect(bubble(chart, text)).to_have_count(0)

    chart.tid("send-button").click()  # the same draft, the same upload: now it goes

    sent = bubble(chart, text)
    expect(sent.get_by_test_id("media-download")).to_have_text(
        re.compile(r"PDF document"), timeout=SEND_TIMEOUT_MS
    )
    assert [m["content_type"] for m in stored_media(clean_faults, text)] == ["application/pdf"]
    chart.assert_clean(http_errors=1)


def test_a_pdf_over_what_is_left_is_refused_with_its_size_and_abroad_gets_a_note(
    open_chart: OpenChart,
) -> None:
    chart = composer_for_maria(open_chart, "Your forms")
    big = MEDIA_MAX_TOTAL_BYTES - 400_000
    pick(chart, [payload("Forms.pdf", "application/pdf", PDF + bytes(big - len(PDF)))])
    expect(attached(chart)).to_have_count(1)

    chart.tid("attach-input").set_input_files(
        [payload("Consent.pdf", "application/pdf", PDF + bytes(600_000 - len(PDF)))]
    )

    limit = f"{MEDIA_MAX_TOTAL_BYTES / 1e6:.1f} MB"
    expect(chart.tid("attach-note")).to_have_text(
        f"Consent.pdf is 0.6 MB; 0.4 MB is left of {limit}."
    )
    expect(attached(chart)).to_have_count(1)
    expect(chart.tid("attach-abroad")).to_have_count(0)
    choose_recipient(chart, "+447700900123")
    expect(chart.tid("attach-abroad")).to_have_text(
        "Outside the US and Canada, Twilio sends attachments as a link."
    )
    chart.assert_clean()
