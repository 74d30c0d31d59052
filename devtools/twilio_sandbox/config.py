"""Settings of one stand-in instance (what the command line and the test API provide)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class SandboxConfig:
    """Credentials, address and timing of a stand-in.

    `port=0` picks a free port; `public_url=None` means "the URL the server is bound to";
    `db_path=":memory:"` keeps everything in memory (tests).
    """

    account_sid: str
    api_key: str
    api_secret: str
    auth_token: str
    host: str = "127.0.0.1"
    port: int = 0
    db_path: str = ":memory:"
    delay_ms: int = 0
    seed: str = "none"
    status_step_ms: int = 700
    public_url: str | None = None
