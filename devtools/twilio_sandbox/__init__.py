"""Local stand-in for the part of Twilio's REST API the plugin uses (see README.md)."""

from devtools.twilio_sandbox.config import SandboxConfig
from devtools.twilio_sandbox.server import RunningSandbox, start_sandbox
from devtools.twilio_sandbox.signing import twilio_signature

__all__ = ["RunningSandbox", "SandboxConfig", "start_sandbox", "twilio_signature"]
