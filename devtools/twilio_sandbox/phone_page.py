"""The "patient phone" page: text a practice number as a patient and read the conversation."""

from html import escape
from urllib.parse import urlencode

from devtools.twilio_sandbox.assets import asset_names
from devtools.twilio_sandbox.clock import iso
from devtools.twilio_sandbox.records import INBOUND, Message, PhoneNumber
from devtools.twilio_sandbox.seed import PATIENTS
from devtools.twilio_sandbox.store import Store
from devtools.twilio_sandbox.twilio_json import account_path

STYLE = """
body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem auto; max-width: 46rem; color: #222; }
form { display: grid; gap: .5rem; padding: 1rem; background: #f4f4f6; border-radius: 8px; }
label { font-weight: 600; } textarea { min-height: 4rem; }
.notice { padding: .5rem 1rem; background: #e8f4ea; border-radius: 6px; }
ol { list-style: none; padding: 0; }
li { margin: .5rem 0; padding: .5rem .75rem; border-radius: 8px; }
li.in { background: #e7eefc; margin-right: 6rem; } li.out { background: #eee; margin-left: 6rem; }
.meta { font-size: 12px; color: #666; } .err { color: #a00; } img { max-height: 64px; }
"""


def _options(values: list[tuple[str, str]], selected: str) -> str:
    return "".join(
        f'<option value="{escape(value)}"{" selected" if value == selected else ""}>'
        f"{escape(label)}</option>"
        for value, label in values
    )


def _bubble(message: Message, patient: str, media_links: list[tuple[str, str]]) -> str:
    side = "in" if message.direction == INBOUND and message.from_number == patient else "out"
    error = ""
    if message.error_code is not None:
        detail = escape(message.error_message or "")
        error = f' <span class="err">error {message.error_code}: {detail}</span>'
    attachments = "".join(
        f'<div><img alt="attachment" src="{escape(url)}"></div>'
        if content_type in ("image/png", "image/jpeg", "image/gif")
        else f'<div><a href="{escape(url)}">{escape(content_type)} attachment</a></div>'
        for url, content_type in media_links
    )
    return (
        f'<li class="{side}"><div>{escape(message.body)}</div>{attachments}'
        f'<div class="meta">{escape(message.from_number)} &rarr; {escape(message.to_number)}'
        f" &middot; {escape(message.direction)} &middot; {escape(message.status)}"
        f" &middot; {escape(iso(message.created_us) or '')}{error}</div></li>"
    )


def render_phone_page(
    store: Store,
    account_sid: str,
    phones: list[PhoneNumber],
    patient: str,
    practice: str,
    notice: str,
) -> str:
    """Return the page HTML; every stored or typed value is escaped."""
    patient_choices = [(number, f"{name} ({number})") for number, name in PATIENTS.items()]
    practice_choices = [(p.phone_number, f"{p.friendly_name} ({p.phone_number})") for p in phones]
    asset_choices = [("", "no attachment")] + [(name, name) for name in asset_names()]
    bubbles = []
    if patient:
        for message in store.conversation(patient, 50):
            base = f"{account_path(account_sid)}/Messages/{message.sid}/Media"
            links = [(f"{base}/{m.sid}", m.content_type) for m in store.media_of(message.sid)]
            bubbles.append(_bubble(message, patient, links))
    notice_html = f'<p class="notice">{escape(notice)}</p>' if notice else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Patient phone - Twilio sandbox</title>
<style>{STYLE}</style></head><body>
<h1>Patient phone</h1>
<p>Text a practice number as a patient. The sandbox calls that number's SMS URL like Twilio.</p>
{notice_html}
<form method="post" action="/_sandbox/phone/send">
<label for="patient">Patient number</label>
<input id="patient" name="patient" list="patients" value="{escape(patient)}" required
 placeholder="+15550123456">
<datalist id="patients">{_options(patient_choices, patient)}</datalist>
<label for="practice">Practice number</label>
<select id="practice" name="practice">{_options(practice_choices, practice)}</select>
<label for="body">Message</label>
<textarea id="body" name="body" maxlength="1600"></textarea>
<label for="asset">Attachment</label>
<select id="asset" name="asset">{_options(asset_choices, "")}</select>
<button type="submit">Send</button>
</form>
<h2>Conversation of {escape(patient or "(pick a patient number)")}</h2>
<ol>{"".join(bubbles) or "<li>No messages yet.</li>"}</ol>
</body></html>
"""


def phone_page_url(patient: str, practice: str, notice: str = "") -> str:
    """Return the page URL that shows this patient's conversation."""
    return "/_sandbox/phone?" + urlencode(
        {"patient": patient, "practice": practice, "notice": notice}
    )
