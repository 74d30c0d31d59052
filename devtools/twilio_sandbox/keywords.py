"""Twilio's default opt-out/opt-in/help keywords on long codes."""

OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
OPT_IN = frozenset({"START", "YES", "UNSTOP"})
HELP = frozenset({"HELP", "INFO"})

OPT_OUT_REPLY = (
    "You have successfully been unsubscribed. You will not receive any more messages from this"
    " number. Reply START to resubscribe."
)
OPT_IN_REPLY = (
    "You have successfully been re-subscribed to messages from this number. Reply HELP for help."
    " Reply STOP to unsubscribe. Msg&Data Rates May Apply."
)


def keyword_of(body: str) -> str | None:
    """Return "opt_out", "opt_in", "help" or None for a whole (trimmed, any-case) body."""
    word = body.strip().upper()
    if word in OPT_OUT:
        return "opt_out"
    if word in OPT_IN:
        return "opt_in"
    if word in HELP:
        return "help"
    return None
