"""Numbers, segments and the signature algorithm, as pure functions."""

import pytest

from twilio_sms_mms.services.validation import normalise_phone, segmentation
from twilio_sms_mms.services.webhook_security import check_signature, twilio_signature


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("", "GSM-7", 0),
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("[" * 80, "GSM-7", 1),
        ("[" * 81, "GSM-7", 2),
        ("é" * 160, "GSM-7", 1),
        ("a" * 69 + "\u2019", "UCS-2", 1),
        ("a" * 70 + "\u2019", "UCS-2", 2),
        ("😀" * 35, "UCS-2", 1),
        ("😀" * 36, "UCS-2", 2),
    ],
)
def test_segmentation(text: str, encoding: str, segments: int) -> None:
    result = segmentation(text)

    assert (result.encoding, result.segments) == (encoding, segments)


def test_forcing_character_is_named() -> None:
    assert segmentation("Don\u2019t forget").forcing_char == "\u2019"


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("(555) 012-3456", "+15550123456"),
        ("1 555 012 3456", "+15550123456"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_normalise_phone(raw: str, normalised: str) -> None:
    assert normalise_phone(raw) == normalised


def test_signature_matches_twilios_documented_example() -> None:
    # Twilio's docs: token 12345, this URL and these params sign to this value.
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": ["CA1234567890ABCDE"],
        "Caller": ["+12349013030"],
        "Digits": ["1234"],
        "From": ["+12349013030"],
        "To": ["+18005551212"],
    }

    assert twilio_signature("12345", url, params) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_check_signature_reasons() -> None:
    assert not check_signature("", "u", {}, "x").valid
    assert not check_signature("t", "u", {}, None).valid
    assert check_signature("t", "u", {}, twilio_signature("t", "u", {})).valid
