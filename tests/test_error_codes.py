"""Every Twilio code a clinician may meet in production sending is explained in plain words."""

from __future__ import annotations

import pytest

from twilio_sms_mms.constants.error_codes import ERROR_EXPLANATIONS, explain_error

# Issue 10's list, plus 30036 (Twilio's "validity period expired", which the stand-in's queue and
# Twilio's current docs use beside 30001).
PRODUCTION_CODES = [30034, 30007, 30001, 30036, 21611, 21408, 21703, 21704, 30409, 35114, 35115]
PRODUCTION_CODES += [35118, 20429, 63017]


@pytest.mark.parametrize("code", PRODUCTION_CODES)
def test_each_production_code_has_its_own_explanation(code: int) -> None:
    explanation = explain_error(code)

    assert code in ERROR_EXPLANATIONS
    assert explanation and explanation != f"Twilio reported error {code}."


def test_no_two_codes_share_an_explanation() -> None:
    texts = list(ERROR_EXPLANATIONS.values())

    assert len(set(texts)) == len(texts)


def test_an_unknown_code_is_named_and_no_code_is_nothing() -> None:
    assert explain_error(99999) == "Twilio reported error 99999."
    assert explain_error(None) is None
