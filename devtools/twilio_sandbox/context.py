"""Everything a request handler needs, gathered in one object per running stand-in."""

from dataclasses import dataclass, field

from devtools.twilio_sandbox.config import SandboxConfig
from devtools.twilio_sandbox.controls import Faults, Stats
from devtools.twilio_sandbox.lifecycle import Lifecycle
from devtools.twilio_sandbox.send_queue import SendQueue
from devtools.twilio_sandbox.store import Store


@dataclass
class SandboxContext:
    """Config, storage, timers (delivery steps, the send queue) and admin controls."""

    config: SandboxConfig
    store: Store
    lifecycle: Lifecycle
    queue: SendQueue
    public_url: str
    bound_url: str
    stats: Stats = field(default_factory=Stats)
    faults: Faults = field(default_factory=Faults)

    @property
    def account_sid(self) -> str:
        """Return the account this stand-in plays."""
        return self.config.account_sid

    @property
    def auth_token(self) -> str:
        """Return the primary auth token (webhook signing key)."""
        return self.config.auth_token
