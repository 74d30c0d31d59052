"""Command line: `python -m devtools.twilio_sandbox --port N --db PATH --account-sid AC... ...`."""

import argparse
import logging
import signal
import sys
import threading

from devtools.twilio_sandbox.config import SandboxConfig
from devtools.twilio_sandbox.server import start_sandbox


def parse_args(argv: list[str]) -> SandboxConfig:
    """Return the config described by the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m devtools.twilio_sandbox",
        description="Local stand-in for Twilio's Messaging REST API.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--db", default=":memory:", help="SQLite file (created when missing)")
    parser.add_argument("--account-sid", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--api-secret", required=True)
    parser.add_argument("--auth-token", required=True)
    parser.add_argument("--delay-ms", type=int, default=0)
    parser.add_argument("--seed", choices=("demo", "none"), default="none")
    parser.add_argument("--status-step-ms", type=int, default=700)
    parser.add_argument(
        "--public-url", default=None, help="base URL used in MediaUrl values sent to webhooks"
    )
    parser.add_argument(
        "--queue-speed",
        type=float,
        default=1.0,
        help="seconds of Twilio's send queue per real second (1: a long code sends 1 segment/s)",
    )
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    if args.queue_speed <= 0:
        parser.error("--queue-speed must be positive")
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return SandboxConfig(
        account_sid=args.account_sid,
        api_key=args.api_key,
        api_secret=args.api_secret,
        auth_token=args.auth_token,
        host=args.host,
        port=args.port,
        db_path=args.db,
        delay_ms=args.delay_ms,
        seed=args.seed,
        status_step_ms=args.status_step_ms,
        public_url=args.public_url,
        queue_speed=args.queue_speed,
    )


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM or SIGINT, then stop cleanly."""
    config = parse_args(sys.argv[1:] if argv is None else argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    running = start_sandbox(config)
    print(f"Twilio sandbox listening on {running.url}", flush=True)
    while not stop.wait(0.5):
        pass
    running.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
