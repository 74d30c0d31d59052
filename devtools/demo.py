"""`make demo`: the whole stack on fixed ports, until Ctrl-C (or SIGTERM).

`make demo DB=postgres` (env DB=postgres) runs the plugin runner on PostgreSQL.

Nothing is configured by hand here: pointing a practice number at the plugin is done in the
app's Phones tab, as a clinic admin would.
"""

import logging
import signal
import sys
import threading
from types import FrameType

from devtools import demo_data
from devtools.postgres import PostgresError
from devtools.processes import StackBusyError
from devtools.runner_client import MAX_WORKERS as PLUGIN_RUNNER_WORKERS
from devtools.runner_client import RunnerError
from devtools.stack import DEMO_PREVIEW_PORT, DEMO_SANDBOX_PORT, LocalStack, StackError

WALKTHROUGH = """\
  1. Chart: {chart} opens {patient}'s chart with the SMS app on the right.
     In its Phones tab, press "Use this plugin's inbound URL" on the Main line.
  2. In the Send tab, pick a quick reply and send: the bubble goes queued -> delivered by itself,
     and the text shows up on the patient phone page: {phone}
  3. Text "hello" from the phone page as {patient}: it appears in the conversation by itself and
     the auto-reply goes back. Text STOP: the composer refuses; START undoes it."""


def _configure_logging() -> None:
    """One line per event of the stack on stderr."""
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(name)s %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )


def _wait_for_stop() -> None:
    """Block until Ctrl-C or SIGTERM."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    while not stop.wait(0.5):
        pass


def database_line(stack: LocalStack) -> str:
    """Which database the runner uses, and how to look into it."""
    if stack.postgres is None:
        return "SQLite (the CLI's file; `make demo DB=postgres` for PostgreSQL)"
    return (
        f"PostgreSQL, {PLUGIN_RUNNER_WORKERS} workers "
        f"(psql '{stack.postgres.database_url.replace('postgres://', 'postgresql://')}')"
    )


def main() -> int:
    """Run the demo stack; return the exit status."""
    _configure_logging()
    try:
        stack = LocalStack(preview_port=DEMO_PREVIEW_PORT, sandbox_port=DEMO_SANDBOX_PORT)
        stack.start()
    except (StackError, StackBusyError, RunnerError, PostgresError, OSError) as exc:
        print(f"demo: could not start the stack: {exc}", file=sys.stderr)
        return 1
    try:
        print(f"\nReady in {stack.timings['total']:.1f} s.\n")
        print(f"  Chart (Canvas stand-in):   {stack.preview_url}")
        print(f"  Patient phone (Twilio):    {stack.phone_url}")
        print(f"  Plugin runner database:    {database_line(stack)}\n")
        print(
            WALKTHROUGH.format(
                chart=stack.preview_url,
                patient=demo_data.MARIA.display_name,
                phone=stack.phone_url,
            )
        )
        print("\nCtrl-C stops everything.", flush=True)
        _wait_for_stop()
    finally:
        print("\nStopping...", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
