"""Numbers, segments and the signature algorithm, as pure functions."""

import pytest

from twilio_sms_mms.constants.keywords import KeywordFamily, keyword_of
from twilio_sms_mms.services.errors import ApiError
from twilio_sms_mms.services.validation import (
    json_nesting_depth,
    normalise_phone,
    parse_json_object,
    require_clean_text,
    require_client_request_id,
    require_e164,
    require_patient_id,
    require_sid,
    segmentation,
)
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
        # Issue 8: Twilio never splits an extension character or a surrogate pair.
        ("a" * 152 + "€" + "a" * 152, "GSM-7", 3),
        ("a" * 66 + "😀" + "a" * 66, "UCS-2", 3),
        ("€" * 80, "GSM-7", 1),
        ("€" * 81, "GSM-7", 2),
        ("Don\u2019t", "UCS-2", 1),
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


@pytest.mark.parametrize(
    ("check", "raw"),
    [
        (lambda raw: require_sid(raw, "message"), "SM" + "a" * 32 + "\n"),
        (lambda raw: require_sid(raw, "message"), "SM" + "a" * 32 + "%0A"),
        (lambda raw: require_sid(raw, "phone"), "PN" + "a" * 32 + "\n"),
        (lambda raw: require_sid(raw, "media"), "\nME" + "a" * 32),
        (require_patient_id, "a" * 32 + "\n"),
        (require_patient_id, "a" * 32 + "%0A"),
        (require_client_request_id, "abcdefgh\n"),
        (require_client_request_id, "short"),
    ],
)
def test_ids_must_match_entirely(check: object, raw: str) -> None:
    with pytest.raises(ApiError) as refused:
        check(raw)  # type: ignore[operator]

    assert refused.value.status == 400


def test_valid_ids_pass() -> None:
    assert require_sid("SM" + "a" * 32, "message") == "SM" + "a" * 32
    assert require_patient_id("a" * 32) == "a" * 32
    assert require_client_request_id("draft_0001-x") == "draft_0001-x"
    assert require_e164("+15550123456\n", "numberTo") == "+15550123456"


@pytest.mark.parametrize(
    "char", [chr(code) for code in [*range(0, 9), 11, 12, *range(14, 32), 127]]
)
def test_text_refuses_every_control_character_but_tab_newline_cr(char: str) -> None:
    with pytest.raises(ApiError) as refused:
        require_clean_text(f"a{char}b", "text")

    assert (refused.value.status, refused.value.field) == (400, "text")


def test_text_keeps_tab_newline_cr_and_any_printable_unicode() -> None:
    text = "a\tb\nc\r\nd \u00e9 \u20ac \U0001f600 \u2019"

    assert require_clean_text(text, "text") == text


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("{}", 1),
        ('{"a": [[1]]}', 3),
        ('"[[[["', 0),
        ('["\\"", [[]]]', 3),
        ("[" * 50_000, 50_000),
    ],
)
def test_json_nesting_depth_ignores_brackets_in_strings(text: str, depth: int) -> None:
    assert json_nesting_depth(text) == depth


def test_deep_json_is_400_not_a_recursion_error() -> None:
    with pytest.raises(ApiError) as refused:
        parse_json_object(b"[" * 50_000)

    assert refused.value.status == 400


@pytest.mark.parametrize(
    ("body", "family"),
    [
        (" stop ", KeywordFamily.OPT_OUT),
        ("Unstop", KeywordFamily.OPT_IN),
        ("info", KeywordFamily.HELP),
        ("stop by tomorrow", None),
    ],
)
def test_keyword_families_are_an_enum(body: str, family: KeywordFamily | None) -> None:
    found = keyword_of(body)

    assert found is family
    assert found is None or found == str(found.value)
