"""Twilio's default opt-out, opt-in and help keywords on long codes."""

from enum import StrEnum


class KeywordFamily(StrEnum):
    """What a whole-message keyword asks for (compares equal to its string value)."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"


KEYWORDS: dict[KeywordFamily, frozenset[str]] = {
    KeywordFamily.OPT_OUT: frozenset(
        {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
    ),
    KeywordFamily.OPT_IN: frozenset({"START", "YES", "UNSTOP"}),
    KeywordFamily.HELP: frozenset({"HELP", "INFO"}),
}
OPT_OUT_KEYWORDS = KEYWORDS[KeywordFamily.OPT_OUT]
OPT_IN_KEYWORDS = KEYWORDS[KeywordFamily.OPT_IN]
HELP_KEYWORDS = KEYWORDS[KeywordFamily.HELP]


def keyword_of(body: str) -> KeywordFamily | None:
    """Return the keyword family of a whole message body (trimmed, any case), or None."""
    word = body.strip().upper()
    for family, words in KEYWORDS.items():
        if word in words:
            return family
    return None
