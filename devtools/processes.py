"""Child processes of the local stack: start-once lock, orphan clean-up, clean stops."""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Self

log = logging.getLogger(__name__)

# Machine-wide: the runner's port 50051 and its SQLite file are shared by every checkout.
LOCK_FILE = Path(tempfile.gettempdir()) / "twilio_sms_mms-local-stack.lock"


class StackBusyError(RuntimeError):
    """Another local stack (make demo, make test, make bench) is running on this machine."""


class StackLock:
    """Held while a local stack runs; the kernel releases it when its process dies.

    So a pidfile found while holding the lock can only name an orphan of a dead stack, which is
    safe to stop, and a live stack is never disturbed by a second one.
    """

    def __init__(self, path: Path = LOCK_FILE) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def acquire(self, wait_seconds: float = 0.0) -> None:
        """Take the lock, waiting up to `wait_seconds`; raise StackBusyError otherwise."""
        handle = self.path.open("a+")
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.close()
                    raise StackBusyError(
                        "another local stack is running on this machine (make demo, make test or "
                        "make bench): stop it first. The plugin runner's port 50051 is fixed."
                    ) from None
                time.sleep(0.5)
                continue
            self._file = handle
            return

    def release(self) -> None:
        """Let the next stack start."""
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def port_is_listening(host: str, port: int) -> bool:
    """True if something accepts TCP connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def command_line_has(pid: int, *needles: bytes) -> bool:
    """True if pid is alive and its command line contains every needle."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return False
    return all(needle in command for needle in needles)


def signal_group(pgid: int, sig: signal.Signals) -> bool:
    """Send sig to a process group; False if the group is gone."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def wait_gone(pid: int, timeout: float) -> bool:
    """Wait until pid no longer exists (or is a zombie); True if it went away."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


def terminate_process_group(
    pgid: int, timeout: float, sig: signal.Signals = signal.SIGTERM
) -> None:
    """Send `sig` (SIGTERM) to a process group, then SIGKILL it if it outlives `timeout`."""
    if not signal_group(pgid, sig):
        return
    if not wait_gone(pgid, timeout):
        log.warning("process group %d ignored %s; sending SIGKILL", pgid, sig.name)
        signal_group(pgid, signal.SIGKILL)
        wait_gone(pgid, 2.0)


def stop_child(
    proc: subprocess.Popen[bytes] | None,
    pidfile: Path,
    timeout: float,
    sig: signal.Signals = signal.SIGTERM,
) -> None:
    """Stop a child started in its own session (whole group), then forget its pidfile."""
    if proc is not None:
        terminate_process_group(proc.pid, timeout, sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    pidfile.unlink(missing_ok=True)


def stop_orphan(
    pidfile: Path, *needles: bytes, timeout: float = 5.0, sig: signal.Signals = signal.SIGTERM
) -> None:
    """Stop the process a dead stack left behind (per its pidfile), if it is still that program.

    Call it only while holding the StackLock: then no live stack owns the pidfile.
    """
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return
    if command_line_has(pid, *needles):
        log.warning("stopping %s (pid %d) left by an earlier stack", pidfile.stem, pid)
        terminate_process_group(pid, timeout, sig)
    pidfile.unlink(missing_ok=True)


class StartStop:
    """A part of the local stack used as `with part:` — start() on entry, stop() on exit."""

    def start(self) -> None:
        """Start the part; subclasses implement it."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop the part; subclasses implement it."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def free_loopback_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
