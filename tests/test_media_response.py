"""Media bytes: raster images, audio and video inline; SVG and everything else as attachments."""

import pytest

from tests import twilio_json as tj
from tests.plugin_harness import STAFF, FakeTwilioHttp, RawBody, call_route

MESSAGE = tj.sid("MM", 1)
MEDIA = tj.sid("ME", 1)


def fetch(twilio: FakeTwilioHttp, content_type: str) -> dict[str, str]:
    body = RawBody(b"<svg onload=alert(1)>", content_type)
    twilio.on("GET", rf"/Messages/{MESSAGE}/Media/{MEDIA}", (200, body))
    result = call_route("GET", f"/medias/{MESSAGE}/{MEDIA}", headers=STAFF)
    assert result.status == 200
    return {name.lower(): value for name, value in result.headers.items()}


@pytest.mark.parametrize(
    "content_type",
    [
        "image/svg+xml",
        "IMAGE/SVG+XML",
        "image/svg+xml; charset=utf-8",
        "image/x-icon",
        "image/vnd.microsoft.icon",
        "text/html",
        "application/pdf",
        "text/vcard",
        "image/png\nx",
    ],
)
def test_non_raster_media_downloads_as_an_attachment(
    twilio: FakeTwilioHttp, content_type: str
) -> None:
    headers = fetch(twilio, content_type)

    assert headers["content-disposition"] == f'attachment; filename="{MEDIA}"'
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"] == "sandbox"


@pytest.mark.parametrize(
    ("content_type", "served_as"),
    [
        ("image/jpeg", "image/jpeg"),
        ("image/png; name=a.png", "image/png"),
        ("image/gif", "image/gif"),
        ("audio/amr", "audio/amr"),
        ("video/mp4", "video/mp4"),
    ],
)
def test_raster_images_audio_and_video_are_shown_inline(
    twilio: FakeTwilioHttp, content_type: str, served_as: str
) -> None:
    headers = fetch(twilio, content_type)

    assert "content-disposition" not in headers
    assert headers["content-type"] == served_as
