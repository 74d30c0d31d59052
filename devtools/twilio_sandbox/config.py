"""Settings of one stand-in instance (what the command line and the test API provide)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class SandboxConfig:
    """Credentials, address and timing of a stand-in.

    `port=0` picks a free port; `public_url=None` means "the URL the server is bound to";
    `db_path=":memory:"` keeps everything in memory (tests). `queue_speed` is how many
    seconds of Twilio's send queue (pacing, ValidityPeriod) pass per real second: 1 is
    Twilio's pace (a US long code sends 1 segment a second).
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
    queue_speed: float = 1.0
