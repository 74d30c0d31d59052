"""The PostgreSQL stack is built like a Canvas instance, and cleans up after a crashed stack.

The namespace, its access keys and the plugin's tables are the runner installer's work (owned by
the SDK's role, ready sentinel written); the SDK's role reads Canvas tables and cannot write
them; a postgres left by a dead stack is stopped before its data directory is replaced.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from devtools import demo_data
from devtools.postgres import (
    HOST,
    READ_WRITE_ACCESS_KEY,
    SDK_ROLE,
    PostgresCluster,
    ServerProcess,
)
from devtools.processes import free_loopback_port, port_is_listening, wait_gone
from devtools.stack import SECRETS_FILE, LocalStack
from twilio_sms_mms.models import records

pytestmark = [pytest.mark.runner, pytest.mark.stack_db("postgres")]

NAMESPACE = "twilio__sms_mms"


@pytest.fixture(scope="module")
def cluster(local_stack: LocalStack) -> PostgresCluster:
    assert local_stack.postgres is not None
    return local_stack.postgres


@pytest.fixture(scope="module")
def admin_db(cluster: PostgresCluster) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(cluster.admin_dsn, autocommit=True) as conn:
        yield conn


def plugin_tables() -> set[str]:
    """The db_table of every CustomModel the plugin declares."""
    return {
        model._meta.db_table
        for model in vars(records).values()
        if isinstance(model, type)
        and hasattr(model, "_meta")
        and model.__module__ == records.__name__
    }


def test_plugin_tables_are_the_installers_in_the_namespace(
    admin_db: psycopg.Connection[Any],
) -> None:
    owners = dict(
        admin_db.execute(
            "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = %s", (NAMESPACE,)
        ).fetchall()
    )
    expected = plugin_tables()
    assert expected and expected <= set(owners)
    assert {owners[name] for name in expected} == {SDK_ROLE}
    ready = admin_db.execute(f"SELECT plugin_name FROM {NAMESPACE}.schema_version").fetchall()
    assert ready == [("twilio_sms_mms",)]


def test_the_plugins_key_is_the_namespaces_read_write_key(
    admin_db: psycopg.Connection[Any],
) -> None:
    key = json.loads(SECRETS_FILE.read_text())[READ_WRITE_ACCESS_KEY]
    digest = hashlib.sha256(key.encode()).hexdigest()
    level = admin_db.execute(
        f"SELECT access_level FROM {NAMESPACE}.namespace_auth WHERE key_hash = %s",
        (digest,),
    ).fetchall()
    assert level == [("read_write",)]


def test_the_sdk_role_reads_canvas_tables_and_cannot_write_them(cluster: PostgresCluster) -> None:
    with psycopg.connect(cluster.sdk_dsn, autocommit=True) as conn:
        names = conn.execute(
            "SELECT first_name FROM canvas_sdk_data_api_patient_001 ORDER BY first_name"
        ).fetchall()
        assert names == sorted((p.first_name,) for p in demo_data.PATIENTS)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE canvas_sdk_data_api_patient_001 SET first_name = 'X'")


def test_a_postgres_left_by_a_crashed_stack_is_stopped(cluster: PostgresCluster) -> None:
    root = cluster.root / "orphan-test"
    subprocess.run(["rm", "-rf", str(root)], check=True)
    root.mkdir()
    subprocess.run(["cp", "-a", str(cluster.base_cluster()), str(root / "data")], check=True)

    port = free_loopback_port()

    def server() -> ServerProcess:
        return ServerProcess(
            data_dir=root / "data",
            socket_dir=root / "run",
            port=port,
            log_file=root / "postgres.log",
            pidfile=root / "postgres.pid",
        )

    crashed = server()
    crashed.start()
    pid = int(crashed.pidfile.read_text())
    crashed._proc = None  # its stack died: nothing will stop it
    assert port_is_listening(HOST, port)

    server().kill_leftover()  # what the next stack does before replacing the data directory

    assert wait_gone(pid, 5.0)
    assert not port_is_listening(HOST, port)
    assert not crashed.pidfile.exists()
    subprocess.run(["rm", "-rf", str(root)], check=True)
