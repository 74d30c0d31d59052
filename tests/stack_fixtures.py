"""pytest plugin: the local stack (Twilio stand-in + real runner + chart preview) for a session.

Loaded from tests/conftest.py with `pytest_plugins = ["tests.stack_fixtures"]`. Only tests that
ask for `local_stack` (or a fixture built on it) start anything. The runner's port 50051 is
fixed, so one stack runs at a time and each database's stack starts once per session.

Tests marked `runner` run on every database of `--stack-db` (default `sqlite,postgres`; env
STACK_DB): their ids end in `[sqlite]` / `[postgres]`, and pytest groups them so the SQLite stack
stops before the PostgreSQL one starts. `@pytest.mark.stack_db("postgres")` narrows a test to
some databases. Other stack users (browser tests) run on the first database selected.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import requests

from devtools import demo_data
from devtools.stack import DATABASES, LocalStack

STATUS_STEP_MS = 300


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--stack-db",
        default=os.environ.get("STACK_DB", ",".join(DATABASES)),
        help="databases the runner tests run on, comma-separated (sqlite,postgres)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "stack_db(*names): run this stack test only on these databases"
    )


def selected_databases(config: pytest.Config) -> list[str]:
    """The --stack-db databases, in the order given; raises UsageError on an unknown name."""
    names = [n.strip() for n in str(config.getoption("--stack-db")).split(",") if n.strip()]
    unknown = [n for n in names if n not in DATABASES]
    if unknown or not names:
        raise pytest.UsageError(f"--stack-db takes {', '.join(DATABASES)}, not {names}")
    return names


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Give every test that uses the stack its database(s), as a session-scoped parameter."""
    if "local_stack" not in metafunc.fixturenames:
        return
    wanted = selected_databases(metafunc.config)
    narrowed = metafunc.definition.get_closest_marker("stack_db")
    if narrowed is not None:
        databases = [name for name in wanted if name in narrowed.args]
    elif metafunc.definition.get_closest_marker("runner") is not None:
        databases = wanted
    else:
        databases = wanted[:1]
    metafunc.parametrize("stack_db", databases, indirect=True, scope="session")


@pytest.fixture(scope="session")
def stack_db(request: pytest.FixtureRequest) -> str:
    """The database of the session's current stack ("sqlite" or "postgres")."""
    return str(request.param)


@pytest.fixture(scope="session")
def local_stack(stack_db: str) -> Iterator[LocalStack]:
    """The running stack on free ports, fresh stand-in database, fast status callbacks."""
    # Wait a while for another local stack (make bench, another test run) to finish.
    stack = LocalStack(status_step_ms=STATUS_STEP_MS, lock_wait_seconds=900, db=stack_db)
    with stack:
        yield stack
    leftovers = stack.listening_ports()
    assert not leftovers, f"ports still listening after the stack stopped: {leftovers}"


def browser_session_headers(stack: LocalStack) -> dict[str, str]:
    """Headers that make a request look like the logged-in browser (the session cookie)."""
    name, value = stack.session_cookie
    return {"Cookie": f"{name}={value}"}


@pytest.fixture
def browser_headers(local_stack: LocalStack) -> dict[str, str]:
    """`browser_session_headers` for the session's stack."""
    return browser_session_headers(local_stack)


@pytest.fixture
def browser(local_stack: LocalStack) -> Iterator[requests.Session]:
    """A requests session carrying the chart preview's session cookie (a logged-in clinician)."""
    name, value = local_stack.session_cookie
    with requests.Session() as session:
        session.cookies.set(name, value, domain="127.0.0.1", path="/")
        yield session


@pytest.fixture(scope="session")
def main_line_to_plugin(local_stack: LocalStack) -> str:
    """Point the Main line's SmsUrl at the plugin's inbound URL; return the number's PN sid."""
    return local_stack.configure_sms_url(demo_data.MAIN_LINE.phone_number)
