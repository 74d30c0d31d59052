"""An installed database gains the scheduled-text columns when the plugin is upgraded.

On an instance the runner's installer only adds columns (`ADD COLUMN IF NOT EXISTS`) to the
plugin's existing tables. Here the PostgreSQL stack's `TextMessage` table is put back as the
previous version left it (without `send_at` and `canceled_by`, holding a text), the installer
runs again as an upgrade does, and the plugin reads the old text and stores a new schedule.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from psycopg import sql

from devtools import demo_data
from devtools.bench_client import PluginDriver, public_base_url
from devtools.stack import LocalStack
from twilio_sms_mms.models.records import TextMessage

pytestmark = [pytest.mark.runner, pytest.mark.stack_db("postgres")]

NAMESPACE = "twilio__sms_mms"
NEW_COLUMNS = ("send_at", "canceled_by")
MARIA = demo_data.MARIA


@pytest.fixture(scope="module")
def plugin(local_stack: LocalStack) -> Iterator[PluginDriver]:
    yield PluginDriver(local_stack.runner, demo_data.AUTH_TOKEN, public_base_url())


def send(plugin: PluginDriver, **fields: Any) -> str:
    payload = {
        "clientRequestId": uuid4().hex,
        "numberTo": MARIA.phones[0].value,
        "text": f"Upgrade check [{uuid4().hex[:8]}]",
        "callbackUrl": "",
        "patientId": MARIA.key,
        **fields,
    }
    sent = plugin.post_json("/sms_send", payload)
    assert sent.status == 201, sent.body
    return str(sent.json()["message"]["sid"])


def shown(plugin: PluginDriver, sid: str) -> dict:
    thread = plugin.get(f"/patients/{MARIA.key}/thread", {"markRead": 0})
    assert thread.status == 200, thread.body
    return next(message for message in thread.json()["messages"] if message["sid"] == sid)


def test_an_installed_database_gains_the_columns_and_reads_old_texts(
    local_stack: LocalStack, plugin: PluginDriver
) -> None:
    assert local_stack.postgres is not None
    table = sql.Identifier(NAMESPACE, TextMessage._meta.db_table)
    main = demo_data.MAIN_LINE.phone_number
    phones = plugin.get("/phone_list").json()["phones"]
    old = send(
        plugin,
        numberFrom=main,
        numberFromSid=next(p["sid"] for p in phones if p["phoneNumber"] == main),
    )
    with psycopg.connect(local_stack.postgres.admin_dsn, autocommit=True) as db:
        drop = sql.SQL(", ").join(
            sql.SQL("DROP COLUMN {}").format(sql.Identifier(c)) for c in NEW_COLUMNS
        )
        db.execute(sql.SQL("ALTER TABLE {} ").format(table) + drop)

        local_stack.runner_process._install_namespace()  # `canvas install` of this version

        columns = db.execute(
            "SELECT column_name, is_nullable FROM information_schema.columns "
            "WHERE table_schema = %s AND table_name = %s AND column_name = ANY(%s)",
            (NAMESPACE, TextMessage._meta.db_table, list(NEW_COLUMNS)),
        ).fetchall()
        assert sorted(columns) == [("canceled_by", "YES"), ("send_at", "YES")]

    assert (shown(plugin, old)["sendAt"], shown(plugin, old)["canceledBy"]) == (None, None)
    service = plugin.get("/phone_readiness").json()["services"][0]["sid"]
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
    new = send(plugin, messagingServiceSid=service, sendAt=when.isoformat())
    assert datetime.fromisoformat(shown(plugin, new)["sendAt"]) == when
    assert plugin.post_json(f"/message_cancel/{new}", {}).status == 200
    assert shown(plugin, new)["canceledBy"] == "staff"
