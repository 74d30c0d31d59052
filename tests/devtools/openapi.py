"""Twilio's own OpenAPI description of the 2010-04-01 API, as JSON-schema validators.

The spec (`../shared/specs/twilio_api_v2010.json.gz`, or a copy in `tests/devtools/specs/`) is
OpenAPI 3.0: `nullable` becomes a "null" type, and every object that lists its properties is
closed (`additionalProperties: false`), so the stand-in cannot invent fields Twilio lacks.
Formats checked: Twilio's `date-time-rfc-2822` and `phone-number` (E.164).
"""

from __future__ import annotations

import gzip
import json
import re
from email.utils import parsedate_to_datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

HERE = Path(__file__).resolve().parent
SPEC_NAME = "twilio_api_v2010.json.gz"
SPEC_CANDIDATES = (
    HERE / "specs" / SPEC_NAME,
    HERE.parents[1].parent / "shared" / "specs" / SPEC_NAME,
    Path("/work/shared/specs") / SPEC_NAME,
)
ROOT_URI = "urn:twilio:api:v2010"
ACCOUNT = "/2010-04-01/Accounts/{AccountSid}"
# Response schemas written inline in the spec's paths, given names here.
INLINE_RESPONSES = {
    "list_messages": (f"{ACCOUNT}/Messages.json", "get", "200"),
    "list_media": (f"{ACCOUNT}/Messages/{{MessageSid}}/Media.json", "get", "200"),
    "list_phone_numbers": (f"{ACCOUNT}/IncomingPhoneNumbers.json", "get", "200"),
}
MESSAGE = "api.v2010.account.message"
MEDIA = "api.v2010.account.message.media"
PHONE_NUMBER = "api.v2010.account.incoming_phone_number"
# The spec describes no error body; this is the shape Twilio documents and twilio-python reads.
TWILIO_ERROR = {
    "type": "object",
    "required": ["code", "message", "more_info", "status"],
    "additionalProperties": False,
    "properties": {
        "code": {"type": "integer"},
        "message": {"type": "string", "minLength": 1},
        "more_info": {"type": "string", "pattern": r"^https://www\.twilio\.com/docs/errors/\d+$"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "details": {"type": "object"},
    },
}
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
# Where the spec's own examples contradict its schema, the example (what Twilio answers) wins.
EMPTY_STRING_ALLOWED = {PHONE_NUMBER: ("sms_application_sid", "voice_application_sid")}
DROPPED_KEYS = frozenset({"nullable", "description", "x-twilio", "example", "examples"})


def spec_path() -> Path | None:
    """The first copy of Twilio's spec that exists, or None."""
    return next((path for path in SPEC_CANDIDATES if path.exists()), None)


def to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON schema (draft 7), closing objects that list properties."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: to_json_schema(value) for key, value in node.items() if key not in DROPPED_KEYS}
    if "properties" in out and out.get("type") == "object":
        out.setdefault("additionalProperties", False)
    if node.get("nullable"):
        if "$ref" in out:
            return {"anyOf": [{"$ref": out["$ref"]}, {"type": "null"}]}
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


@cache
def _registry_root() -> dict:
    path = spec_path()
    if path is None:
        raise FileNotFoundError(f"Twilio's OpenAPI spec not found: {SPEC_CANDIDATES}")
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        spec = json.load(handle)
    schemas = dict(spec["components"]["schemas"])
    for name, (route, method, status) in INLINE_RESPONSES.items():
        content = spec["paths"][route][method]["responses"][status]["content"]
        schemas[name] = content["application/json"]["schema"]
    converted = to_json_schema(schemas)
    for schema_name, fields in EMPTY_STRING_ALLOWED.items():
        properties = converted[schema_name]["properties"]
        for field in fields:
            properties[field] = {"anyOf": [properties[field], {"const": ""}]}
    return {"components": {"schemas": converted}}


FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time-rfc-2822", raises=(TypeError, ValueError))
def _is_rfc2822(value: object) -> bool:
    return not isinstance(value, str) or parsedate_to_datetime(value).tzinfo is not None


@FORMATS.checks("phone-number")
def _is_e164(value: object) -> bool:
    return not isinstance(value, str) or bool(E164.fullmatch(value))


def validator(name: str) -> Draft7Validator:
    """A validator for one named schema of the spec (or of INLINE_RESPONSES)."""
    root = _registry_root()
    registry: Registry = Registry().with_resource(
        ROOT_URI, Resource.from_contents(root, default_specification=DRAFT7)
    )
    schema = {"$ref": f"{ROOT_URI}#/components/schemas/{name}"}
    return Draft7Validator(schema, registry=registry, format_checker=FORMATS)


def error_validator() -> Draft7Validator:
    """A validator for Twilio's JSON error body."""
    return Draft7Validator(TWILIO_ERROR)


def problems(checker: Draft7Validator, document: Any) -> list[str]:
    """Every violation, as `path: message` lines (empty when the document conforms)."""
    return [
        f"{'/'.join(str(part) for part in error.absolute_path) or '<root>'}: {error.message}"
        for error in checker.iter_errors(document)
    ]
