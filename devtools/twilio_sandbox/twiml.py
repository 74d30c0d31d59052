"""Reading the TwiML a messaging webhook answers with."""

import xml.etree.ElementTree as ET
from dataclasses import dataclass


@dataclass(frozen=True)
class TwimlReply:
    """One `<Message>` of a TwiML response: its text, media URLs and optional to/from override."""

    body: str
    media_urls: list[str]
    to: str | None
    sender: str | None


class TwimlError(ValueError):
    """The webhook answered something Twilio could not parse (Twilio logs error 12100)."""


def parse_twiml(text: str) -> list[TwimlReply]:
    """Return the messages of a `<Response>`; an empty `<Response/>` yields none.

    Raises TwimlError when the document is not well-formed TwiML.
    """
    try:
        root = ET.fromstring(text.strip())
    except ET.ParseError as exc:
        raise TwimlError(str(exc)) from exc
    if root.tag != "Response":
        raise TwimlError(f"root element is <{root.tag}>, not <Response>")
    replies = []
    for element in root.iter("Message"):
        bodies = element.findall("Body")
        media = [(m.text or "").strip() for m in element.findall("Media")]
        body = "".join(b.text or "" for b in bodies) if bodies else (element.text or "")
        replies.append(
            TwimlReply(
                body.strip(), [m for m in media if m], element.get("to"), element.get("from")
            )
        )
    return replies
