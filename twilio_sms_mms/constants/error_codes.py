"""Plain-language explanations of the Twilio error codes a clinician may meet."""

ERROR_EXPLANATIONS: dict[int, str] = {
    20003: "Twilio rejected the plugin's credentials: an administrator must check "
    "TwilioAccountSID, TwilioAPIKey and TwilioAPISecret.",
    20009: "Twilio is still processing this message, and a message cannot be deleted until it "
    "has finished (delivered, undelivered, failed or received). Wait a few minutes and try "
    "again.",
    20404: "The message or number no longer exists at Twilio.",
    20429: "Too many requests to Twilio: wait a moment and try again.",
    21211: "The number is not valid: check it and use the international format, e.g. +15551234567.",
    21408: "Texting that country is not enabled: an administrator must enable it in Twilio's "
    "geographic permissions.",
    21606: "This practice number cannot send this kind of message.",
    21610: "The patient opted out of texts from this number (they replied STOP). They can text "
    "START to opt back in.",
    21614: "The number is not a mobile phone: call the patient instead.",
    21617: "The message is longer than 1600 characters: shorten it.",
    21623: "Too many attachments: send at most 10.",
    21635: "The number is a landline and cannot receive texts: call the patient instead.",
    30003: "The patient's phone is unreachable (off or out of coverage): try again later.",
    30004: "The message was blocked by the recipient or their carrier: treat it like an opt-out.",
    30005: "The number does not exist or is no longer in service.",
    30006: "The number is a landline or its carrier cannot receive texts: call the patient "
    "instead.",
    30007: "The carrier filtered the message as spam: review the wording and the practice's 10DLC "
    "registration.",
    30008: "Delivery failed for an unknown reason: retry once.",
    11200: "Twilio could not download an attachment (its link expired or did not answer): "
    "attach the file again and resend.",
    12300: "Twilio refused an attachment's file type: send JPEG, PNG, GIF or PDF.",
    30019: "The attachments are too large for the carrier (5 MB together): send smaller or "
    "fewer files.",
    # Production sending (Messaging Services, A2P 10DLC, scheduling, rate limits).
    30034: "US carriers blocked the text: the practice number is not in a Messaging Service "
    "with an approved A2P 10DLC campaign. An administrator must register it (see the Phones "
    "tab).",
    30001: "The text waited too long in Twilio's queue and expired unsent (the number sends "
    "about one segment per second): send it again later or spread large batches out.",
    30036: "The text was still waiting in Twilio's queue when its validity period ran out, so "
    "it was never sent: send it again later.",
    21611: "Too many texts are already waiting to leave this practice number: wait and send again.",
    21703: "That Messaging Service does not exist or is not usable: an administrator must check "
    "it in Twilio.",
    21704: "The Messaging Service holds no phone number: an administrator must add one.",
    30409: "Only a text that is still scheduled can be canceled; this one has already been sent "
    "or canceled.",
    35114: "Twilio refused the scheduled time: it must be 15 minutes to 35 days ahead, in UTC. "
    "Pick another time.",
    35115: "Twilio refused to schedule the text (35115): check the time and that the text goes "
    "through a Messaging Service.",
    35118: "Twilio refused the scheduling request (35118): send the text now or try another time.",
    63017: "The text was refused by a rate limit of its channel: send it again a little later.",
}

# Codes that mean "not now, the resource is in the wrong state": the plugin answers 409.
CONFLICT_CODES = frozenset({20009, 30409})


def explain_error(code: int | None) -> str | None:
    """Return the clinician-facing explanation of a Twilio error code, or None."""
    if code is None:
        return None
    return ERROR_EXPLANATIONS.get(code, f"Twilio reported error {code}.")
