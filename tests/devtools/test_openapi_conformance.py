"""The stand-in's JSON answers conform to Twilio's own OpenAPI description of the API."""

from __future__ import annotations

import requests

from devtools.twilio_sandbox import RunningSandbox
from tests.devtools.conftest import API_KEY, API_SECRET
from tests.devtools.openapi import (
    MEDIA,
    MESSAGE,
    PHONE_NUMBER,
    error_validator,
    problems,
    spec_path,
    validator,
)

AUTH = (API_KEY, API_SECRET)
MAIN_LINE = "+15550100001"
MARIA = "+15550123456"


def test_twilios_spec_is_available() -> None:
    assert spec_path() is not None


def get(sandbox: RunningSandbox, path: str, **params: str) -> requests.Response:
    return requests.get(f"{sandbox.rest_base}{path}", params=params, auth=AUTH, timeout=5)


def test_the_schemas_catch_a_wrong_answer() -> None:
    wrong = {"sid": "SMnope", "status": "sending-ish", "num_media": 0, "invented": True}

    found = problems(validator(MESSAGE), wrong)

    assert any(line.startswith("sid:") for line in found)
    assert any(line.startswith("status:") for line in found)
    assert any(line.startswith("num_media:") for line in found)
    assert any("invented" in line for line in found)


def test_message_list_pages_conform(sandbox: RunningSandbox) -> None:
    first = get(sandbox, "Messages.json", PageSize="3").json()
    second = requests.get(f"{sandbox.url}{first['next_page_uri']}", auth=AUTH, timeout=5).json()

    assert problems(validator("list_messages"), first) == []
    assert problems(validator("list_messages"), second) == []
    assert len(first["messages"]) == 3


def test_every_seeded_message_conforms(sandbox: RunningSandbox) -> None:
    page = get(sandbox, "Messages.json", PageSize="1000").json()

    assert len(page["messages"]) > 5
    for message in page["messages"]:
        assert problems(validator(MESSAGE), message) == [], message["sid"]


def test_a_created_message_and_its_fetch_conform(sandbox: RunningSandbox) -> None:
    phones = get(sandbox, "IncomingPhoneNumbers.json").json()["incoming_phone_numbers"]
    created = requests.post(
        f"{sandbox.rest_base}Messages.json",
        data={"To": MARIA, "From": MAIN_LINE, "Body": "Conform, please"},
        auth=AUTH,
        timeout=5,
    )

    assert created.status_code == 201
    assert problems(validator(MESSAGE), created.json()) == []
    fetched = get(sandbox, f"Messages/{created.json()['sid']}.json").json()
    assert problems(validator(MESSAGE), fetched) == []
    assert phones


def test_phone_number_list_and_number_conform(sandbox: RunningSandbox) -> None:
    page = get(sandbox, "IncomingPhoneNumbers.json", PageSize="2").json()

    assert problems(validator("list_phone_numbers"), page) == []
    for phone in page["incoming_phone_numbers"]:
        assert problems(validator(PHONE_NUMBER), phone) == []
        single = get(sandbox, f"IncomingPhoneNumbers/{phone['sid']}.json").json()
        assert problems(validator(PHONE_NUMBER), single) == []


def test_media_list_and_media_conform(sandbox: RunningSandbox) -> None:
    messages = get(sandbox, "Messages.json", PageSize="1000").json()["messages"]
    with_media = [m for m in messages if m["num_media"] != "0"]
    assert with_media

    for message in with_media:
        page = get(sandbox, f"Messages/{message['sid']}/Media.json").json()
        assert problems(validator("list_media"), page) == []
        for item in page["media_list"]:
            assert problems(validator(MEDIA), item) == []
            single = get(sandbox, f"Messages/{message['sid']}/Media/{item['sid']}.json").json()
            assert problems(validator(MEDIA), single) == []


def test_error_bodies_have_twilios_shape(sandbox: RunningSandbox) -> None:
    queued = requests.post(
        f"{sandbox.rest_base}Messages.json",
        data={"To": MARIA, "From": MAIN_LINE, "Body": "not final yet"},
        auth=AUTH,
        timeout=5,
    ).json()
    answers = [
        get(sandbox, "Messages/SM" + "0" * 32 + ".json"),
        requests.get(f"{sandbox.rest_base}Messages.json", auth=("SKnope", "x"), timeout=5),
        requests.post(f"{sandbox.rest_base}Messages.json", data={"To": "x"}, auth=AUTH, timeout=5),
        requests.delete(f"{sandbox.rest_base}Messages/{queued['sid']}.json", auth=AUTH, timeout=5),
        get(sandbox, "Messages.json", PageToken="nope"),
    ]

    for answer in answers:
        body = answer.json()
        assert problems(error_validator(), body) == [], body
        assert body["status"] == answer.status_code
    assert [answer.status_code for answer in answers] == [404, 401, 400, 409, 400]
    assert answers[3].json()["code"] == 20009
