"""Files a clinician uploaded for an MMS, kept until Twilio has fetched them.

The bytes live in the plugin's own tables (passthrough uploads): base64 text in chunks, because
the SDK refuses a TextField value over 1 MB and offers no BinaryField in the sandbox.
"""

from canvas_sdk.v1.data.base import CustomModel
from django.db.models import (
    CharField,
    DateTimeField,
    Index,
    IntegerField,
    TextField,
    UniqueConstraint,
)


class Attachment(CustomModel):
    """One uploaded file: who uploaded it, its type and size, and the message it went out with.

    `public_id` names it in the public URL beside `token`, a separate secret compared in constant
    time. `message_sid` stays empty until a send uses it.
    """

    public_id = CharField(max_length=32)
    token = CharField(max_length=64)
    staff_id = CharField(max_length=64)
    content_type = CharField(max_length=64)
    size = IntegerField()
    filename = CharField(max_length=255, default="")
    chunks = IntegerField()
    message_sid = CharField(max_length=64, default="")
    created = DateTimeField()
    attached = DateTimeField(null=True)

    class Meta:
        constraints = (UniqueConstraint(fields=["public_id"], name="attachment_public_id"),)
        indexes = (Index(fields=["message_sid", "created"], name="attachment_message"),)


class AttachmentChunk(CustomModel):
    """Part number `part` of an attachment's bytes, base64 (at most 768 KiB of text)."""

    public_id = CharField(max_length=32)
    part = IntegerField()
    data = TextField()

    class Meta:
        constraints = (
            UniqueConstraint(fields=["public_id", "part"], name="attachmentchunk_unique"),
        )
