"""The automatic reply to an inbound text: which one, at most one per number per quiet window.

Keywords (STOP/START/HELP families) never get an automatic reply; HELP gets HelpReplyText, which
is the keyword's answer, not an automatic one. A replayed webhook gets the reply its first
delivery got, so Twilio's retries never change the answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from twilio_sms_mms.constants.keywords import KeywordFamily
from twilio_sms_mms.models.records import AutoReply
from twilio_sms_mms.services.office_hours import ReplyKind

if TYPE_CHECKING:
    from twilio_sms_mms.models.records import TextMessage
    from twilio_sms_mms.services.config import PluginConfig


def reply_text(
    config: PluginConfig,
    record: TextMessage,
    keyword: KeywordFamily | None,
    created: bool,
) -> str:
    """The TwiML reply body for this inbound text ("" for none); records an automatic one."""
    if keyword == KeywordFamily.HELP:
        return config.help_reply_text
    if keyword:
        return ""
    if not created:
        given = AutoReply.objects.filter(message_sid=record.sid).values_list("text", flat=True)
        return given.first() or ""
    rules = config.auto_replies
    if rules is None or rules.choose(record.created, None)[0] == ReplyKind.NONE:
        return ""  # nothing to say at this hour: no need to look for the last reply
    last = (
        AutoReply.objects.filter(patient_number=record.patient_number)
        .order_by("-created")
        .values_list("created", flat=True)
        .first()
        if rules.quiet
        else None
    )
    kind, text = rules.choose(record.created, last)
    if kind == ReplyKind.NONE:
        return ""
    AutoReply.objects.bulk_create(
        [
            AutoReply(
                message_sid=record.sid,
                practice_number=record.practice_number,
                patient_number=record.patient_number,
                kind=kind,
                text=text,
                created=record.created,
            )
        ],
        ignore_conflicts=True,
    )
    return text
