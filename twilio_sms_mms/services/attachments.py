"""MMS attachments uploaded from the clinician's device, and the public URL Twilio fetches.

Design (issue 11): the upload route is a `passthrough` multipart route, so the bytes reach the
plugin and are kept in its own tables (`models/attachments.py`), chunked base64 because the SDK
caps a TextField at 1 MB and the sandbox has no BinaryField. `file_uploads="stored"` was not
used: Canvas then keeps the file in its own S3 bucket and hands the plugin only a key, which
the plugin can neither read nor publish (its S3 client needs the plugin's own AWS credentials
and bucket), and the local runner has no home-app to intercept the upload at all.

Twilio fetches `PublicBaseUrl/plugin-io/api/twilio_sms_mms/public_media/<id>/<token>`: `id` is
random (64 bits) and names the row, `token` is a separate 192-bit secret compared in constant
time. Neither says anything about the patient or the file.
"""

from __future__ import annotations

from base64 import b64decode, b64encode
from dataclasses import dataclass
from datetime import timedelta
from hmac import compare_digest
from http import HTTPStatus
from secrets import token_hex, token_urlsafe
from typing import TYPE_CHECKING

from django.db.transaction import atomic

from twilio_sms_mms.constants.settings import (
    MEDIA_MAX_COUNT,
    MEDIA_MAX_TOTAL_BYTES,
    MEDIA_TYPES,
    PUBLIC_MEDIA_ROUTE,
)
from twilio_sms_mms.constants.statuses import FINAL_STATUSES
from twilio_sms_mms.models.attachments import Attachment, AttachmentChunk
from twilio_sms_mms.models.records import TextMessage
from twilio_sms_mms.services.errors import ApiError, bad_request
from twilio_sms_mms.services.storage import now

if TYPE_CHECKING:
    from datetime import datetime

    from canvas_sdk.handlers.simple_api.api import Request

    from twilio_sms_mms.services.config import PluginConfig

CHUNK_CHARS = 768 * 1024  # base64 text per row, under the SDK's 1 MB TextField cap
UNATTACHED_TTL = timedelta(hours=24)
AFTER_FINAL_TTL = timedelta(hours=24)
MAX_TTL = timedelta(days=7)
HEIC_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"heif")
ID_LENGTH = 16
TOKEN_LENGTH = 32  # token_urlsafe(24): 192 random bits


@dataclass(frozen=True)
class UploadedFile:
    """One file part of the upload, as the browser sent it."""

    filename: str
    content_type: str
    content: bytes


def sniff_type(content: bytes) -> str | None:
    """The file's real type from its first bytes: JPEG, PNG, GIF, PDF, HEIC, or None."""
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content[4:8] == b"ftyp" and content[8:12] in HEIC_BRANDS:
        return "image/heic"
    return None


def check_file(upload: UploadedFile) -> str:
    """The accepted content type of one file, or a 400 saying why it cannot be sent."""
    name = upload.filename.lower()
    declared = upload.content_type.lower()
    kind = sniff_type(upload.content)
    if (
        kind == "image/heic"
        or "heic" in declared
        or "heif" in declared
        or name.endswith((".heic", ".heif"))
    ):
        raise bad_request(
            f"{upload.filename}: HEIC photos cannot be sent by MMS; export it as JPEG first",
            "files",
        )
    if kind not in MEDIA_TYPES:
        raise bad_request(
            f"{upload.filename}: only JPEG, PNG, GIF and PDF files can be attached", "files"
        )
    return kind


def check_batch(files: list[UploadedFile]) -> None:
    """At most MEDIA_MAX_COUNT files and MEDIA_MAX_TOTAL_BYTES together, at least one."""
    if not files:
        raise bad_request("Attach at least one file", "files")
    if len(files) > MEDIA_MAX_COUNT:
        raise bad_request(f"At most {MEDIA_MAX_COUNT} files per message", "files")
    total = sum(len(upload.content) for upload in files)
    if total > MEDIA_MAX_TOTAL_BYTES:
        raise bad_request(
            f"The files total {mb(total)}; the limit is {mb(MEDIA_MAX_TOTAL_BYTES)}", "files"
        )


def mb(size: int) -> str:
    """A size in MB with one decimal, as the UI shows it."""
    return f"{size / 1_000_000:.1f} MB"


def store_uploads(staff_id: str, files: list[UploadedFile]) -> list[dict]:
    """Check and keep the files; answer their ids, types and sizes (no token, no URL)."""
    check_batch(files)
    kinds = [check_file(upload) for upload in files]
    purge_expired()
    stored = []
    with atomic():
        for upload, kind in zip(files, kinds, strict=True):
            stored.append(store_one(staff_id, upload, kind))
    return [attachment_json(item) for item in stored]


def store_one(staff_id: str, upload: UploadedFile, kind: str) -> Attachment:
    """One attachment row and its chunks."""
    text = b64encode(upload.content).decode("ascii")
    parts = [text[i : i + CHUNK_CHARS] for i in range(0, len(text), CHUNK_CHARS)]
    attachment = Attachment.objects.create(
        public_id=token_hex(ID_LENGTH // 2),
        token=token_urlsafe(24),
        staff_id=staff_id,
        content_type=kind,
        size=len(upload.content),
        filename=upload.filename[:255],
        chunks=len(parts),
        created=now(),
    )
    AttachmentChunk.objects.bulk_create(
        AttachmentChunk(public_id=attachment.public_id, part=i, data=text_part)
        for i, text_part in enumerate(parts)
    )
    return attachment


def attachment_json(item: Attachment) -> dict:
    """What the composer needs about an uploaded file."""
    return {"id": item.public_id, "contentType": item.content_type, "size": item.size}


def media_urls_for(config: PluginConfig, staff_id: str, raw_ids: object) -> list[str]:
    """The public URLs of the staff member's uploads named by `attachmentIds` (400 otherwise)."""
    if raw_ids is None or raw_ids == []:
        return []
    if not isinstance(raw_ids, list) or not all(isinstance(item, str) for item in raw_ids):
        raise bad_request("attachmentIds must be a list of ids", "attachmentIds")
    if len(raw_ids) > MEDIA_MAX_COUNT or len(set(raw_ids)) != len(raw_ids):
        raise bad_request(f"At most {MEDIA_MAX_COUNT} different attachments", "attachmentIds")
    found = {
        item.public_id: item
        for item in Attachment.objects.filter(public_id__in=raw_ids, staff_id=staff_id)
        if not expired(item, None, now()) or item.message_sid
    }
    missing = [item for item in raw_ids if item not in found]
    if missing:
        raise ApiError(
            HTTPStatus.GONE,
            "An attachment has expired or was removed: attach the file again",
            field="attachmentIds",
            reason="attachment_gone",
        )
    total = sum(item.size for item in found.values())
    if total > MEDIA_MAX_TOTAL_BYTES:
        raise bad_request(
            f"The files total {mb(total)}; the limit is {mb(MEDIA_MAX_TOTAL_BYTES)}",
            "attachmentIds",
        )
    return [public_url(config, found[item]) for item in raw_ids]


def public_url(config: PluginConfig, item: Attachment) -> str:
    """The URL Twilio fetches the bytes from: random id and token, nothing else."""
    return config.public_url(f"{PUBLIC_MEDIA_ROUTE}/{item.public_id}/{item.token}")


def mark_sent(raw_ids: object, message_sid: str) -> None:
    """Tie the uploads to the message they went out with (their expiry follows it)."""
    if not message_sid or not isinstance(raw_ids, list) or not raw_ids:
        return
    Attachment.objects.filter(public_id__in=raw_ids, message_sid="").update(
        message_sid=message_sid, attached=now()
    )


def expired(item: Attachment, message: TextMessage | None, at: datetime) -> bool:
    """Unattached: 24 h after upload. Sent: 24 h after the final status, 7 days at most."""
    if not item.message_sid:
        return at >= item.created + UNATTACHED_TTL
    if at >= item.created + MAX_TTL:
        return True
    return bool(
        message is not None
        and message.status in FINAL_STATUSES
        and at >= message.updated + AFTER_FINAL_TTL
    )


def public_content(media_id: str, token: str) -> tuple[bytes, str] | None:
    """The bytes and type behind a public URL, or None (one answer for every refusal)."""
    if len(media_id) != ID_LENGTH or len(token) != TOKEN_LENGTH:
        return None
    item = Attachment.objects.filter(public_id=media_id).first()
    if item is None or not compare_digest(item.token.encode(), token.encode()):
        return None
    message = TextMessage.objects.filter(sid=item.message_sid).first() if item.message_sid else None
    if expired(item, message, now()):
        return None
    chunks = AttachmentChunk.objects.filter(public_id=item.public_id).order_by("part")
    text = "".join(chunk.data for chunk in chunks)
    content = b64decode(text)
    if len(content) != item.size:
        return None
    return content, item.content_type


def purge_expired() -> int:
    """Delete uploads never sent within 24 h, and sent ones past their expiry; count them."""
    at = now()
    gone = list(
        Attachment.objects.filter(message_sid="", created__lt=at - UNATTACHED_TTL).values_list(
            "public_id", flat=True
        )
    )
    sent = Attachment.objects.exclude(message_sid="").filter(created__lt=at - AFTER_FINAL_TTL)
    sids = {item.message_sid for item in sent}
    messages = {m.sid: m for m in TextMessage.objects.filter(sid__in=sids)}
    gone += [item.public_id for item in sent if expired(item, messages.get(item.message_sid), at)]
    if gone:
        with atomic():
            AttachmentChunk.objects.filter(public_id__in=gone).delete()
            Attachment.objects.filter(public_id__in=gone).delete()
    return len(gone)


def merge_media(typed: object, uploaded: list[str]) -> object:
    """The send's `mediaUrl` with the uploads' public URLs after any typed ones.

    A typed value of the wrong shape is returned as is, for validation to refuse.
    """
    if typed is None or typed == "":
        return uploaded
    if isinstance(typed, str):
        return [line.strip() for line in typed.splitlines() if line.strip()] + uploaded
    if isinstance(typed, list):
        return [*typed, *uploaded]
    return typed


def parse_upload(request: Request) -> list[UploadedFile]:
    """The `files` parts of a multipart upload, or a 400/415 for anything else."""
    if request.content_type != "multipart/form-data":
        raise ApiError(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            "Upload files as multipart/form-data",
            reason="unsupported_media_type",
        )
    try:
        form = request.form_data()
        parts = form.get_list("files") if "files" in form else []
    except (RuntimeError, ValueError, KeyError, IndexError, UnicodeDecodeError) as error:
        raise bad_request("The upload is not a valid multipart form", "files") from error
    files = [
        UploadedFile(
            filename=str(getattr(part, "filename", "") or "file"),
            content_type=str(getattr(part, "content_type", "") or ""),
            content=getattr(part, "content", b""),
        )
        for part in parts
        if part.is_file()
    ]
    if len(files) != len(parts):
        raise bad_request("Every `files` part must be a file", "files")
    return files


def forget(message_sid: str) -> int:
    """Remove the uploads a deleted message went out with (its public URLs stop at once)."""
    gone = list(
        Attachment.objects.filter(message_sid=message_sid).values_list("public_id", flat=True)
    )
    if gone:
        with atomic():
            AttachmentChunk.objects.filter(public_id__in=gone).delete()
            Attachment.objects.filter(public_id__in=gone).delete()
    return len(gone)
