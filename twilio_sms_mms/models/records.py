"""The plugin's durable record: messages, opt-outs and the audit trail."""

from canvas_sdk.v1.data.base import CustomModel
from django.db.models import (
    BooleanField,
    CharField,
    DateTimeField,
    Index,
    IntegerField,
    JSONField,
    TextField,
    UniqueConstraint,
)


class TextMessage(CustomModel):
    """One message sent through the plugin or received at its inbound webhook."""

    sid = CharField(max_length=34)
    direction = CharField(max_length=8)  # "outbound" | "inbound"
    practice_number = CharField(max_length=16)
    patient_number = CharField(max_length=16)
    body = TextField(default="")
    media_urls = JSONField(default=list)
    media_types = JSONField(default=list)
    status = CharField(max_length=20)
    error_code = IntegerField(null=True)
    staff_id = CharField(max_length=64, default="")
    staff_name = CharField(max_length=255, default="")
    patient_ids = JSONField(default=list)
    matched = BooleanField(default=True)
    read = BooleanField(default=True)
    created = DateTimeField()
    updated = DateTimeField()

    class Meta:
        constraints = (UniqueConstraint(fields=["sid"], name="textmessage_sid_unique"),)
        indexes = (
            Index(fields=["patient_number", "created"], name="textmessage_thread"),
            Index(fields=["patient_number", "read"], name="textmessage_unread"),
        )


class OptOut(CustomModel):
    """Whether a texter has opted out of texts from one practice number."""

    practice_number = CharField(max_length=16)
    patient_number = CharField(max_length=16)
    opted_out = BooleanField(default=True)
    source = CharField(max_length=20)  # "keyword" | "twilio_21610"
    updated = DateTimeField()

    class Meta:
        constraints = (
            UniqueConstraint(
                fields=["practice_number", "patient_number"], name="optout_pair_unique"
            ),
        )


class AuditEntry(CustomModel):
    """Who did what: sends, deletes and webhook changes."""

    staff_id = CharField(max_length=64)
    action = CharField(max_length=32)
    target = CharField(max_length=64)
    created = DateTimeField()

    class Meta:
        indexes = (Index(fields=["created"], name="auditentry_created"),)


class EarlyStatus(CustomModel):
    """A status callback that arrived before the send that caused it was recorded."""

    sid = CharField(max_length=34)
    status = CharField(max_length=20)
    error_code = IntegerField(null=True)
    received = DateTimeField()

    class Meta:
        constraints = (
            UniqueConstraint(fields=["sid", "status"], name="earlystatus_sid_status_unique"),
        )
