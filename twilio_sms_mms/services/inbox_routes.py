"""Route bodies of the practice inbox: parse the request, call `inbox`, answer JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import unquote

from twilio_sms_mms.services import cursors, inbox
from twilio_sms_mms.services.errors import ApiError, bad_request
from twilio_sms_mms.services.validation import require_patient_id

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from canvas_sdk.effects import Effect

BODYLESS = frozenset({"take", "done", "reopen"})
SEARCH_MAX = 64


def page(params: Mapping[str, str], staff_id: str) -> dict:
    """GET /inbox."""
    raw = params.get("filter") or inbox.InboxFilter.ALL
    try:
        chosen = inbox.InboxFilter(raw)
    except ValueError:
        raise bad_request(
            "filter must be unread, mine, unassigned, done or all", "filter"
        ) from None
    text = params.get("q") or ""
    if len(text) > SEARCH_MAX or not text.isprintable():
        raise bad_request(f"q must be at most {SEARCH_MAX} printable characters", "q")
    return inbox.page(inbox.InboxQuery(chosen, staff_id, text, params.get("cursor") or ""))


def staff() -> dict:
    """GET /inbox/staff."""
    return {"staff": inbox.staff_members()}


def patients(params: Mapping[str, str]) -> dict:
    """GET /inbox/patients?q=."""
    text = params.get("q") or ""
    if len(text) > SEARCH_MAX or not text.isprintable():
        raise bad_request(f"q must be at most {SEARCH_MAX} printable characters", "q")
    return {"patients": inbox.find_patients(text)}


def thread(raw_key: str, params: Mapping[str, str]) -> tuple[dict, list[Effect]]:
    """GET /inbox/conversations/<key>/thread[?cursor=]."""
    key = inbox.require_key(unquote(raw_key))
    return inbox.number_thread(key, cursors.read(params.get("cursor") or ""))


def triage(
    raw_key: str, action: str, json_body: Callable[[], dict], staff_id: str
) -> tuple[dict, list[Effect]]:
    """POST /inbox/conversations/<key>/<action>; every change is audited by `inbox`."""
    key = inbox.require_key(unquote(raw_key))
    if action in BODYLESS:
        if action == "take":
            return inbox.assign(key, staff_id, staff_id)
        status = (
            inbox.ConversationStatus.DONE if action == "done" else inbox.ConversationStatus.OPEN
        )
        return inbox.set_status(key, status, staff_id)
    if action == "assign":
        assignee = json_body().get("staffId")
        if assignee is not None and not (isinstance(assignee, str) and len(assignee) <= 64):
            raise bad_request("staffId must be a staff id, or null to unassign", "staffId")
        return inbox.assign(key, assignee or "", staff_id)
    if action == "link":
        data = json_body()
        patient_id = require_patient_id(str(data.get("patientId") or ""))
        add = data.get("addContactPoint", False)
        if not isinstance(add, bool):
            raise bad_request("addContactPoint must be true or false", "addContactPoint")
        return inbox.link_number(key, patient_id, add, staff_id)
    raise ApiError(404, "No such inbox action", field="action")
