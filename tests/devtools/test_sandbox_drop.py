"""The stand-in's `dropAfterAccept` fault: Twilio stored the send, but its answer never arrives."""

from __future__ import annotations

import pytest
import requests

from devtools.twilio_sandbox import RunningSandbox
from tests.devtools.conftest import API_KEY, API_SECRET

SEND = {"To": "+15550123456", "From": "+15550100001", "Body": "dropped after accept"}


def post_send(sandbox: RunningSandbox) -> requests.Response:
    return requests.post(
        f"{sandbox.rest_base}Messages.json", data=SEND, auth=(API_KEY, API_SECRET), timeout=10
    )


def stored(sandbox: RunningSandbox) -> list[dict]:
    dump = requests.get(f"{sandbox.url}/_sandbox/messages", params={"to": SEND["To"]}, timeout=5)
    return [m for m in dump.json()["messages"] if m["body"] == SEND["Body"]]


def test_a_dropped_send_is_stored_and_answered_with_a_closed_connection(
    sandbox: RunningSandbox,
) -> None:
    plan = requests.post(f"{sandbox.url}/_sandbox/faults", json={"dropAfterAccept": 1}, timeout=5)
    assert plan.json()["dropAfterAccept"] == 1

    with pytest.raises(requests.exceptions.ConnectionError) as dropped:
        post_send(sandbox)

    assert not isinstance(dropped.value, requests.exceptions.Timeout)
    assert "NewConnectionError" not in str(dropped.value)  # it connected; the answer was lost
    assert len(stored(sandbox)) == 1
    assert requests.get(f"{sandbox.url}/_sandbox/faults", timeout=5).json()["dropAfterAccept"] == 0
    assert post_send(sandbox).status_code == 201  # only the next send was dropped
    assert len(stored(sandbox)) == 2


def test_other_requests_are_not_dropped(sandbox: RunningSandbox) -> None:
    requests.post(f"{sandbox.url}/_sandbox/faults", json={"dropAfterAccept": 1}, timeout=5)

    listing = requests.get(
        f"{sandbox.rest_base}Messages.json", auth=(API_KEY, API_SECRET), timeout=5
    )

    assert listing.status_code == 200
    with pytest.raises(requests.exceptions.ConnectionError):
        post_send(sandbox)
