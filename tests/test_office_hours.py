"""Office hours, time zones (DST), holidays and the automatic reply choice (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from twilio_sms_mms.services.config import PluginConfig
from twilio_sms_mms.services.office_hours import (
    AutoReplyRules,
    ReplyKind,
    parse_office_hours,
    parse_quiet_hours,
    parse_time_zone,
)

NEW_YORK = ZoneInfo("America/New_York")
HOURS = (
    '{"mon": ["08:00-12:00", "13:00-17:00"], "tue": ["08:00-17:00"], "holidays": ["2026-12-25"]}'
)


def at(text: str, zone: ZoneInfo = NEW_YORK) -> datetime:
    """A wall-clock time in the zone, as an aware UTC datetime (what the webhook stores)."""
    return datetime.fromisoformat(text).replace(tzinfo=zone).astimezone(UTC)


def rules(hours: str = HOURS, quiet: int = 12) -> AutoReplyRules:
    parsed, problem = parse_office_hours(hours)
    assert problem is None
    return AutoReplyRules(
        auto_reply_text="Thanks, we got it",
        after_hours_text="We are closed; we answer tomorrow",
        hours=parsed,
        zone=NEW_YORK,
        quiet=timedelta(hours=quiet),
    )


@pytest.mark.parametrize(
    ("local", "open_"),
    [
        ("2026-12-07T08:00", True),  # Monday, first minute
        ("2026-12-07T07:59", False),
        ("2026-12-07T11:59", True),
        ("2026-12-07T12:00", False),  # lunch
        ("2026-12-07T13:00", True),
        ("2026-12-07T17:00", False),  # the end is exclusive
        ("2026-12-08T16:59", True),  # Tuesday
        ("2026-12-09T10:00", False),  # Wednesday is not listed: closed
        ("2026-12-12T10:00", False),  # Saturday
        ("2026-12-25T10:00", False),  # a Friday holiday (closed whatever the week says)
    ],
)
def test_open_spans_in_local_time(local: str, open_: bool) -> None:
    hours, _ = parse_office_hours(HOURS)

    assert hours.is_open(at(local), NEW_YORK) is open_


def test_holiday_closes_a_day_the_week_opens() -> None:
    hours, _ = parse_office_hours('{"mon": ["08:00-17:00"], "holidays": ["2026-12-07"]}')

    assert not hours.is_open(at("2026-12-07T10:00"), NEW_YORK)
    assert hours.is_open(at("2026-12-14T10:00"), NEW_YORK)


def test_daylight_saving_time_follows_the_wall_clock() -> None:
    """08:00 in New York is 13:00 UTC in winter and 12:00 UTC in summer."""
    hours, _ = parse_office_hours('{"mon": ["08:00-17:00"]}')
    winter_open = datetime(2026, 1, 5, 13, 0, tzinfo=UTC)  # Mon 08:00 EST
    summer_open = datetime(2026, 7, 6, 12, 0, tzinfo=UTC)  # Mon 08:00 EDT
    summer_before = datetime(2026, 7, 6, 11, 59, tzinfo=UTC)  # Mon 07:59 EDT

    assert hours.is_open(winter_open, NEW_YORK)
    assert hours.is_open(summer_open, NEW_YORK)
    assert not hours.is_open(summer_before, NEW_YORK)
    # The Monday after the spring change (2026-03-08): 12:30 UTC is 08:30 EDT, open.
    assert hours.is_open(datetime(2026, 3, 9, 12, 30, tzinfo=UTC), NEW_YORK)
    # The Monday before it: 12:30 UTC is 07:30 EST, closed.
    assert not hours.is_open(datetime(2026, 3, 2, 12, 30, tzinfo=UTC), NEW_YORK)


def test_a_utc_moment_on_the_next_utc_day_is_still_the_local_day() -> None:
    hours, _ = parse_office_hours('{"mon": ["20:00-23:00"]}')

    # Monday 21:00 in New York is Tuesday 02:00 UTC.
    assert hours.is_open(datetime(2026, 12, 8, 2, 0, tzinfo=UTC), NEW_YORK)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("{mon: 1}", "not JSON"),
        ("[]", "object"),
        ('{"monday": []}', "unknown key 'monday'"),
        ('{"mon": "08:00-12:00"}', "mon must be a list"),
        ('{"mon": ["8-12"]}', "bad span"),
        ('{"mon": ["12:00-08:00"]}', "bad span"),
        ('{"mon": ["08:00-25:00"]}', "bad span"),
        ('{"holidays": ["2026-02-30"]}', "bad holiday"),
        ('{"holidays": "2026-12-25"}', "holidays must be a list"),
    ],
)
def test_invalid_office_hours_name_the_variable(raw: str, fragment: str) -> None:
    hours, problem = parse_office_hours(raw)

    assert problem is not None
    assert problem.startswith("OfficeHours is not valid")
    assert fragment in problem
    assert not hours.configured


def test_empty_office_hours_means_always_open() -> None:
    hours, problem = parse_office_hours("  ")

    assert problem is None
    assert hours.is_open(at("2026-12-12T03:00"), NEW_YORK)


def test_time_zone_default_and_unknown_name() -> None:
    assert parse_time_zone("") == (NEW_YORK, None)
    assert parse_time_zone("Europe/Paris") == (ZoneInfo("Europe/Paris"), None)
    zone, problem = parse_time_zone("Mars/Olympus")
    assert zone == NEW_YORK
    assert problem is not None
    assert "PracticeTimeZone" in problem


def test_quiet_hours() -> None:
    assert parse_quiet_hours("") == (12, None)
    assert parse_quiet_hours("0") == (0, None)
    assert parse_quiet_hours("48") == (48, None)
    assert parse_quiet_hours("-1")[1] is not None
    assert parse_quiet_hours("1.5")[1] is not None


def test_choice_in_and_out_of_hours() -> None:
    chosen = rules()

    assert chosen.choose(at("2026-12-07T09:00"), None) == (ReplyKind.AUTO, "Thanks, we got it")
    assert chosen.choose(at("2026-12-07T22:00"), None) == (
        ReplyKind.AFTER_HOURS,
        "We are closed; we answer tomorrow",
    )


def test_one_automatic_reply_per_quiet_window() -> None:
    chosen = rules(quiet=12)
    first = at("2026-12-07T22:00")

    assert chosen.choose(first + timedelta(hours=11, minutes=59), first)[0] == ReplyKind.NONE
    assert chosen.choose(first + timedelta(hours=12), first)[0] == ReplyKind.AUTO


def test_no_after_hours_text_means_no_reply_out_of_hours() -> None:
    chosen = AutoReplyRules(
        auto_reply_text="Thanks",
        after_hours_text="",
        hours=parse_office_hours(HOURS)[0],
        zone=NEW_YORK,
        quiet=timedelta(hours=12),
    )

    assert chosen.choose(at("2026-12-07T22:00"), None) == (ReplyKind.NONE, "")


def test_config_turns_automatic_replies_off_and_warns_on_invalid_json() -> None:
    config = PluginConfig.from_variables(
        {"AutoReplyText": "Thanks", "OfficeHours": '{"mon": ['}, {}
    )

    assert config.auto_replies is not None
    assert config.auto_replies.choose(at("2026-12-07T09:00"), None) == (ReplyKind.NONE, "")
    assert any(warning.startswith("OfficeHours is not valid") for warning in config.warnings)


def test_config_reads_the_practice_time_zone() -> None:
    config = PluginConfig.from_variables({"PracticeTimeZone": "America/Los_Angeles"}, {})

    assert config.practice_time_zone == "America/Los_Angeles"
    assert config.auto_replies is not None
    assert config.auto_replies.zone == ZoneInfo("America/Los_Angeles")
