"""Readiness verdicts: can a practice number text US patients (pure, every verdict)."""

from twilio_sms_mms.services.readiness import Verdict, is_toll_free, readiness_of
from twilio_sms_mms.services.sending_services import Campaign, MessagingService, ServiceSenders

MAIN = "+15550100001"
FRONT = "+15550100002"
SERVICE = MessagingService("MG" + "a" * 32, "Clinic Reminders", True)


def held(*statuses: str, numbers: tuple[str, ...] = (MAIN,)) -> list[ServiceSenders]:
    campaigns = tuple(Campaign(status, "ACCOUNT_NOTIFICATION") for status in statuses)
    return [ServiceSenders(SERVICE, numbers, campaigns)]


def test_verified_campaign_is_ready_and_names_the_service() -> None:
    verdict = readiness_of(MAIN, held("VERIFIED"))

    assert verdict.verdict is Verdict.READY
    assert verdict.text == "Ready for US texting (campaign VERIFIED in service Clinic Reminders)."
    assert verdict.to_json()["warn"] is False
    assert verdict.to_json()["serviceSid"] == SERVICE.sid
    assert verdict.use_case == "ACCOUNT_NOTIFICATION"


def test_a_verified_campaign_wins_over_a_failed_one() -> None:
    assert readiness_of(MAIN, held("FAILED", "VERIFIED")).verdict is Verdict.READY


def test_number_in_no_service_is_blocked_with_30034() -> None:
    verdict = readiness_of(FRONT, held("VERIFIED"))

    assert verdict.verdict is Verdict.BLOCKED
    assert verdict.text == (
        "US texts will be blocked: not in a Messaging Service with an approved A2P 10DLC "
        "campaign (Twilio 30034)."
    )
    assert verdict.to_json()["warn"] is True
    assert verdict.service_sid is None


def test_pending_and_in_progress_campaigns_are_pending() -> None:
    for status in ("PENDING", "IN_PROGRESS"):
        verdict = readiness_of(MAIN, held(status))
        assert verdict.verdict is Verdict.PENDING
        assert verdict.text.startswith("Campaign pending review (service Clinic Reminders)")
        assert verdict.campaign_status == status
        assert verdict.to_json()["warn"] is True


def test_failed_campaign_or_none_is_blocked_and_says_why() -> None:
    failed = readiness_of(MAIN, held("FAILED"))
    missing = readiness_of(MAIN, held())

    assert failed.verdict is missing.verdict is Verdict.BLOCKED
    assert "its campaign is FAILED" in failed.text
    assert "it has no A2P 10DLC campaign" in missing.text
    assert "30034" in failed.text
    assert missing.campaign_status is None


def test_toll_free_numbers_need_toll_free_verification_not_10dlc() -> None:
    verdict = readiness_of("+18885550100", [])

    assert is_toll_free("+18335550100")
    assert not is_toll_free("+15558005555")
    assert verdict.verdict is Verdict.TOLL_FREE
    assert "toll-free verification" in verdict.text
    assert verdict.to_json()["warn"] is False


def test_non_us_numbers_get_no_10dlc_verdict() -> None:
    verdict = readiness_of("+447700900123", held("FAILED", numbers=("+447700900123",)))

    assert verdict.verdict is Verdict.NOT_US
    assert verdict.service_name == "Clinic Reminders"
    assert verdict.to_json()["warn"] is False
