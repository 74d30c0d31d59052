"""Where the plugin's time goes inside the real runner: cProfile around every event.

    .venv/bin/python -m devtools.bench_profile [--runs 30] [--top 25]

Starts the local stack with the runner launched through this module (`runner` mode below), which
wraps `PluginRunner.HandleEvent` in a cProfile per event (in the gRPC worker thread that runs it)
and writes one .prof file per event. The driver then sends the slow actions with no injected
delay, stops the stack, and prints the heaviest functions per action. Profiling slows everything
down: read the shares, not the absolute times (those come from `make bench`).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import json
import pstats
import subprocess
import sys
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from devtools import demo_data
from devtools.bench_client import PluginDriver, SandboxAdmin, phone_sids, public_base_url
from devtools.runner_client import PLUGIN_NAME, RunnerProcess
from devtools.stack import LocalStack

PROFILE_DIR = Path(".stack/bench/profiles")
MAIN_LINE = demo_data.MAIN_LINE.phone_number
MARIA_MOBILE = demo_data.MARIA.phones[0].value


# ---------------------------------------------------------------------- inside the runner


def profile_events(out_dir: Path) -> None:
    """Patch the runner so each HandleEvent call writes `<n>-<event>-<path>.prof`."""
    from canvas_generated.messages.events_pb2 import EventType
    from plugin_runner import plugin_runner

    original = plugin_runner.PluginRunner.HandleEvent
    counter = itertools.count()
    lock = threading.Lock()
    out_dir.mkdir(parents=True, exist_ok=True)

    def handle_event(self: Any, request: Any, context: Any) -> Iterator[Any]:
        profile = cProfile.Profile()
        profile.enable()
        try:
            yield from original(self, request, context)
        finally:
            profile.disable()
            try:
                path = str(json.loads(request.context or "{}").get("path") or "")
            except ValueError:
                path = ""
            label = EventType.Name(request.type) + path.replace("/", "_")
            with lock:
                number = next(counter)
            profile.dump_stats(out_dir / f"{number:05d}-{label[:80]}.prof")

    plugin_runner.PluginRunner.HandleEvent = handle_event  # type: ignore[method-assign]


def run_profiled_runner(out_dir: Path, cli_args: Sequence[str]) -> int:
    """`canvas <cli_args>` with every event profiled."""
    profile_events(out_dir)
    from canvas_cli.main import app

    sys.argv = ["canvas", *cli_args]
    return int(app() or 0)


class ProfiledRunnerProcess(RunnerProcess):
    """The stack's runner, launched through this module so that it profiles each event."""

    out_dir: Path = PROFILE_DIR

    def _spawn(self, extra_args: list[str]) -> subprocess.Popen[bytes]:
        command = [
            str(self.project_root / ".venv/bin/python"),
            "-m",
            "devtools.bench_profile",
            "runner",
            str(self.out_dir.resolve()),
            "run-plugin",
            PLUGIN_NAME,
            *extra_args,
        ]
        with self.log_file.open("wb") as log_out:
            return subprocess.Popen(
                command,
                cwd=self.project_root,
                env=self._env(),
                stdin=subprocess.DEVNULL,
                stdout=log_out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )


# ---------------------------------------------------------------------- the driver


def drive(stack: LocalStack, runs: int) -> None:
    """The actions worth profiling, with no injected delay."""
    admin = SandboxAdmin(stack.sandbox_url)
    plugin = PluginDriver(stack.runner, demo_data.AUTH_TOKEN, public_base_url())
    admin.seed(10_000, MAIN_LINE, reset=True)
    main_sid = phone_sids(plugin.phone_list())[MAIN_LINE]
    maria = demo_data.MARIA.key
    sent = []
    actions: dict[str, Callable[[], Any]] = {
        "phone_list": plugin.phone_list,
        "log_first": lambda: plugin.message_page(MAIN_LINE),
        "send_sms": lambda: sent.append(
            plugin.send(MAIN_LINE, main_sid, MARIA_MOBILE, "Profile", patient_id=maria)
        ),
        "thread": lambda: plugin.get(f"/patients/{maria}/thread"),
        "inbound": lambda: plugin.inbound(MARIA_MOBILE, MAIN_LINE, "Thanks"),
        "open": lambda: plugin.open_app(maria),
    }
    for _ in range(runs):
        for action in actions.values():
            action()
    admin.close()


def report(out_dir: Path, top: int) -> str:
    """Merge the per-event profiles by event and path; list the heaviest functions."""
    groups: dict[str, list[Path]] = defaultdict(list)
    for file in sorted(out_dir.glob("*.prof")):
        groups[file.stem.split("-", 1)[1]].append(file)
    text = io.StringIO()
    for label, files in sorted(groups.items()):
        stats = pstats.Stats(str(files[0]), stream=text)
        for file in files[1:]:
            stats.add(str(file))
        text.write(f"\n==== {label}: {len(files)} events\n")
        stats.sort_stats("cumulative").print_stats(top)
    return text.getvalue()


def main(argv: Sequence[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["runner"]:
        return run_profiled_runner(Path(args_in[1]), args_in[2:])
    parser = argparse.ArgumentParser(prog="python -m devtools.bench_profile")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--output", type=Path, default=Path(".stack/bench/profile.txt"))
    args = parser.parse_args(args_in)
    from devtools.bench import LOCK_WAIT_SECONDS, STATE_DIR, STATUS_STEP_MS

    out_dir = STATE_DIR / "profiles"
    for stale in out_dir.glob("*.prof"):
        stale.unlink()
    stack = LocalStack(
        status_step_ms=STATUS_STEP_MS, state_dir=STATE_DIR, lock_wait_seconds=LOCK_WAIT_SECONDS
    )
    profiled = ProfiledRunnerProcess(project_root=stack.project_root, state_dir=STATE_DIR)
    profiled.out_dir = out_dir
    stack.runner_process = profiled
    with stack:
        drive(stack, args.runs)
    text = report(out_dir, args.top)
    args.output.write_text(text)
    print(text)
    print(f"(written to {args.output})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
