"""The plugin's durable record: messages and their patients, send attempts, opt-outs, audit.

Schema evolution: on PostgreSQL the runner only adds new tables and new columns (no default, so
rows stored before a column existed read it as NULL); it never changes an existing column. New
columns are therefore nullable, and the code reads NULL as the old behaviour.
"""

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
    """One message sent through the plugin, received at its inbound webhook, or announced by a
    status callback before its send was recorded (a skeleton, `recorded` False)."""

    sid = CharField(max_length=34)
    direction = CharField(max_length=8)  # Direction
    practice_number = CharField(max_length=16)
    patient_number = CharField(max_length=16)
    body = TextField(default="")
    media_urls = JSONField(default=list)
    media_types = JSONField(default=list)
    status = CharField(max_length=20)  # MessageStatus, or "not_sent"
    error_code = IntegerField(null=True)
    staff_id = CharField(max_length=64, default="")
    staff_name = CharField(max_length=255, default="")
    patient_ids = JSONField(default=list)  # the patients linked when it was sent or received
    matched = BooleanField(default=True)
    read = BooleanField(default=True)
    created = DateTimeField()
    updated = DateTimeField()
    # Added with the link table; NULL on rows stored before.
    recorded = BooleanField(null=True, default=True)  # False: a callback's skeleton
    client_request_id = CharField(max_length=64, null=True, default=None)
    deleted = BooleanField(null=True, default=False)
    # Added with scheduled texts; NULL on rows stored before (and on texts sent at once).
    send_at = DateTimeField(null=True, default=None)  # when Twilio sends a scheduled text (UTC)
    canceled_by = CharField(max_length=8, null=True, default=None)  # CancelReason

    class Meta:
        constraints = (UniqueConstraint(fields=["sid"], name="textmessage_sid_unique"),)
        indexes = (
            Index(fields=["patient_number", "created"], name="textmessage_thread"),
            Index(fields=["patient_number", "read"], name="textmessage_unread"),
        )


class MessageLink(CustomModel):
    """A message belongs to a patient's thread: written once, when it is sent or received."""

    message_sid = CharField(max_length=64)
    patient_id = CharField(max_length=64)
    read = BooleanField(default=True)  # inbound texts start unread, per patient
    created = DateTimeField()

    class Meta:
        constraints = (
            UniqueConstraint(fields=["message_sid", "patient_id"], name="messagelink_unique"),
        )
        indexes = (
            Index(fields=["patient_id", "created"], name="messagelink_thread"),
            Index(fields=["patient_id", "read"], name="messagelink_unread"),
        )


class SendAttempt(CustomModel):
    """One press of Send, keyed by the client's idempotency key; stored before Twilio is called.

    `state`: pending (the POST is under way), sent, unknown (it may have left), not_sent.
    `message_sid` is Twilio's sid once known, else the key of the provisional thread message.
    """

    staff_id = CharField(max_length=64)
    client_request_id = CharField(max_length=64)
    fingerprint = CharField(max_length=64)
    state = CharField(max_length=16)
    practice_number = CharField(max_length=16)
    patient_number = CharField(max_length=16)
    message_sid = CharField(max_length=64, default="")
    response_status = IntegerField(null=True)
    response = JSONField(null=True)
    created = DateTimeField()
    updated = DateTimeField()

    class Meta:
        constraints = (
            UniqueConstraint(
                fields=["staff_id", "client_request_id"], name="sendattempt_key_unique"
            ),
        )
        indexes = (Index(fields=["state", "practice_number"], name="sendattempt_state"),)


class OptOut(CustomModel):
    """Whether a texter has opted out of texts from one practice number."""

    practice_number = CharField(max_length=16)
    patient_number = CharField(max_length=16)
    opted_out = BooleanField(default=True)
    source = CharField(max_length=20)  # "keyword" | "twilio_21610"
    updated = DateTimeField()
    # When the STOP/START (or the refused send) happened; NULL on older rows (use `updated`).
    event_at = DateTimeField(null=True)

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


class DataMigration(CustomModel):
    """A one-off rewrite of stored rows that has been applied (by name)."""

    name = CharField(max_length=64)
    applied = DateTimeField()

    class Meta:
        constraints = (UniqueConstraint(fields=["name"], name="datamigration_name_unique"),)


class AutoReply(CustomModel):
    """An automatic reply (AutoReplyText or AfterHoursReplyText) given to an inbound text; the
    latest one per patient number starts the quiet window (AutoReplyQuietHours)."""

    message_sid = CharField(max_length=34)  # the inbound text answered
    practice_number = CharField(max_length=16)
    patient_number = CharField(max_length=16)
    kind = CharField(max_length=16)  # ReplyKind
    text = TextField(default="")
    created = DateTimeField()

    class Meta:
        constraints = (UniqueConstraint(fields=["message_sid"], name="autoreply_sid_unique"),)
        indexes = (Index(fields=["patient_number", "created"], name="autoreply_number"),)


class Conversation(CustomModel):
    """One row of the practice inbox: a patient's conversation, or an unknown number's.

    `key` is `patient:<patient id>` or `number:<E.164>`; the last message, unread count,
    assignee and status are kept here so the inbox reads one row per conversation.
    """

    key = CharField(max_length=80)
    patient_id = CharField(max_length=64, default="")
    patient_number = CharField(max_length=16, default="")
    practice_number = CharField(max_length=16, default="")
    name = CharField(max_length=255, default="")  # the patient's name when linked
    last_sid = CharField(max_length=64, default="")
    last_preview = CharField(max_length=160, default="")
    last_direction = CharField(max_length=8, default="")
    last_at = DateTimeField()
    unread = IntegerField(default=0)
    assignee_id = CharField(max_length=64, default="")
    assignee_name = CharField(max_length=255, default="")
    status = CharField(max_length=8, default="open")  # ConversationStatus
    updated = DateTimeField()

    class Meta:
        constraints = (UniqueConstraint(fields=["key"], name="conversation_key_unique"),)
        indexes = (
            Index(fields=["last_at", "dbid"], name="conversation_recent"),
            Index(fields=["status", "last_at"], name="conversation_status"),
            Index(fields=["assignee_id", "last_at"], name="conversation_assignee"),
        )
