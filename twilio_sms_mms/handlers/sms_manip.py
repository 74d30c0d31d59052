"""SimpleAPI routes: the chart app's REST calls and Twilio's two webhooks.

Each route maps HTTP to one service call; failures arrive as `ApiError` and leave as
`{"error": {...}}` with the right status.
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from canvas_sdk.effects.simple_api import JSONResponse, Response
from canvas_sdk.handlers.simple_api import Credentials, SimpleAPI, api
from django.utils.functional import cached_property
from logger import log

from twilio_sms_mms.constants.settings import (
    INBOUND_ROUTE,
    PUBLIC_MEDIA_ROUTE,
    STATUS_ROUTE,
    is_public_route,
)
from twilio_sms_mms.services import (
    attachments,
    cancel,
    cursors,
    inbox_routes,
    messaging,
    presenters,
    scheduled_texts,
    service_send,
    stop_cancels,
    storage,
    validation,
)
from twilio_sms_mms.services.config import PluginConfig
from twilio_sms_mms.services.errors import ApiError, admin_only, bad_request
from twilio_sms_mms.services.log_safety import mask_numbers
from twilio_sms_mms.services.readiness_report import readiness_report, services_of
from twilio_sms_mms.services.twilio_service import TwilioService
from twilio_sms_mms.services.webhook_security import check_signature
from twilio_sms_mms.services.webhooks import (
    InboundMessage,
    StatusUpdate,
    form_params,
    mask_number,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from canvas_sdk.effects import Effect

    RouteResult = dict | tuple[dict, list[Effect]] | messaging.SendAnswer

# Shown inline: raster images, audio and video. SVG (it can script) and anything else downloads.
INLINE_MEDIA = re.compile(
    r"(image/(jpeg|png|gif|webp|bmp|avif|heic|heif)|audio/[A-Za-z0-9.+-]+|video/[A-Za-z0-9.+-]+)"
)
SAFE_CONTENT_TYPE = re.compile(r"[A-Za-z0-9.+-]+/[A-Za-z0-9.+-]+")
XML = "text/xml"
OCTET_STREAM = "application/octet-stream"


class SmsManip(SimpleAPI):
    """REST routes for the chart app (Staff sessions) and Twilio's webhooks (signed)."""

    def compute(self) -> list[Effect]:
        """Answer 400, not 500, when the SDK cannot parse the request's headers."""
        try:
            self.request  # noqa: B018  (parsed once here; the SDK chokes on e.g. "text/plain; x")
        except ValueError:
            log.info(f"{self.event.context.get('method')} request with unreadable headers -> 400")
            error = bad_request("The request's Content-Type header cannot be read")
            return [error.to_response().apply()]
        return super().compute()

    def authenticate(self, credentials: Credentials) -> bool:
        """Public routes (settings.is_public_route) prove a signature or token in the route;
        the rest need Staff."""
        if is_public_route(self.request.path):
            return True
        headers = self.request.headers
        return headers.get("canvas-logged-in-user-type") == "Staff" and bool(
            headers.get("canvas-logged-in-user-id")
        )

    @cached_property
    def config(self) -> PluginConfig:
        """The instance's configuration."""
        return PluginConfig.from_variables(dict(self.secrets or {}), dict(self.environment or {}))

    @cached_property
    def twilio(self) -> TwilioService:
        """The Twilio service (raises a 503 ApiError while credentials are missing)."""
        return TwilioService(self.config)

    # UI routes ---------------------------------------------------------------------------

    @api.get("/phone_list")
    def phone_list(self) -> list[Response]:
        """The account's practice numbers and the plugin's own webhook URLs."""
        return self.respond(
            lambda: {
                "phones": [
                    presenters.phone_json(phone, self.config.inbound_url)
                    for phone in self.twilio.phone_numbers()
                ],
                "pluginUrls": self.config.plugin_urls,
            }
        )

    @api.get("/phone_readiness")
    def phone_readiness(self) -> list[Response]:
        """Each practice number's US texting readiness (A2P 10DLC); `?refresh=1` skips the cache."""
        return self.respond(
            lambda: readiness_report(
                self.config.account_sid,
                lambda: self.twilio,
                refresh=self.request.query_params.get("refresh") in ("1", "true"),
            )
        )

    @api.get("/message_list/<number>/<direction>")
    def message_list(self) -> list[Response]:
        """One page of messages sent from, or received at, a practice number."""
        return self.respond(self.read_message_page)

    @api.get("/message/<message_sid>")
    def message(self) -> list[Response]:
        """A message's details and its media list (fetched in parallel)."""
        return self.respond(self.read_message)

    @api.get("/medias/<message_sid>")
    def media_list(self) -> list[Response]:
        """The media items of a message, each with the plugin's URL for its bytes."""
        return self.respond(
            lambda: {
                "media": [
                    presenters.media_item(media)
                    for media in self.twilio.media_list(self.path_sid("message_sid", "message"))
                ]
            }
        )

    @api.get("/medias/<message_sid>/<media_sid>")
    def media_content(self) -> list[Response]:
        """The bytes of one media item; anything not image/audio/video is an attachment."""
        try:
            content = self.twilio.media_content(
                self.path_sid("message_sid", "message"), self.path_sid("media_sid", "media")
            )
        except ApiError as error:
            return [error.to_response()]
        return [media_response(content.content, content.content_type, self.request.path)]

    @api.delete("/message_delete/<message_sid>")
    def message_delete(self) -> list[Response]:
        """Delete a message at Twilio."""
        return self.respond(self.delete_message)

    @api.post("/message_cancel/<message_sid>")
    def message_cancel(self) -> list[Response]:
        """Cancel a scheduled text (only while `scheduled`; audited)."""
        return self.respond(
            lambda: cancel.cancel_scheduled(
                self.twilio, self.path_sid("message_sid", "message"), self.staff_id
            )
        )

    @api.post("/sms_send")
    def sms_send(self) -> list[Response]:
        """Validate and send an SMS/MMS once per clientRequestId: 201 sent, 202 outcome unknown."""
        return self.respond(self.send_message, status=HTTPStatus.CREATED)

    @api.post("/attachments")
    def attachment_upload(self) -> list[Response]:
        """Files from the clinician's device for an MMS (multipart `files`): 201 with their ids."""
        return self.respond(self.upload_attachments, status=HTTPStatus.CREATED)

    @api.get(f"{PUBLIC_MEDIA_ROUTE}/<media_id>/<token>")
    def public_media(self) -> list[Response]:
        """PUBLIC: an uploaded attachment's bytes for Twilio; 404 unless id and token match."""
        found = attachments.public_content(
            self.request.path_params.get("media_id", ""), self.request.path_params.get("token", "")
        )
        if found is None:
            return [Response(b"", status_code=HTTPStatus.NOT_FOUND)]
        content, content_type = found
        headers = {"X-Content-Type-Options": "nosniff"}
        return [Response(content, HTTPStatus.OK, headers=headers, content_type=content_type)]

    @api.post("/inbound_webhook/<phone_sid>")
    def inbound_webhook(self) -> list[Response]:
        """Point a practice number's inbound messages at a URL (GET or POST)."""
        return self.respond(self.change_inbound_webhook)

    @api.get("/patients/<patient_id>/thread")
    def patient_thread(self) -> list[Response]:
        """The patient's numbers and linked conversation, newest page first; `?markRead=0` to
        peek, `?cursor=` for the page before.

        No Twilio request, unless a send in the page is `unknown` (one lookup each).
        """
        return self.respond(
            lambda: messaging.patient_thread(
                self.config,
                validation.require_patient_id(self.request.path_params["patient_id"]),
                mark_read=self.request.query_params.get("markRead") not in ("0", "false"),
                twilio=lambda: self.twilio,
                earlier_than=cursors.read(self.request.query_params.get("cursor") or ""),
                cancel_opted_out=self.cancel_on_chart_opt_out,
            )
        )

    @api.post("/patients/<patient_id>/read")
    def patient_read(self) -> list[Response]:
        """The clinician saw the patient's thread: mark its inbound texts read, clear the badge."""
        return self.respond(
            lambda: messaging.mark_thread_read(
                validation.require_patient_id(self.request.path_params["patient_id"])
            )
        )

    @api.get("/unmatched")
    def unmatched(self) -> list[Response]:
        """Inbound texts from numbers on no patient's chart."""
        return self.respond(
            lambda: {"messages": [presenters.thread_message(m) for m in storage.unmatched()]}
        )

    @api.get("/audit")
    def audit(self) -> list[Response]:
        """The audit trail, for the staff listed in AuditStaffIds."""
        return self.respond(self.read_audit)

    # The practice inbox (bodies in services/inbox_routes.py) -----------------------------

    @api.get("/inbox")
    def inbox_page(self) -> list[Response]:
        """One page of conversations: ?filter=unread|mine|unassigned|done|all&q=&cursor=."""
        return self.respond(lambda: inbox_routes.page(self.request.query_params, self.staff_id))

    @api.get("/inbox/staff")
    def inbox_staff(self) -> list[Response]:
        """Canvas staff to assign conversations to."""
        return self.respond(inbox_routes.staff)

    @api.get("/inbox/patients")
    def inbox_patients(self) -> list[Response]:
        """Patients by name, to link an unknown number to: ?q=."""
        return self.respond(lambda: inbox_routes.patients(self.request.query_params))

    @api.get("/inbox/conversations/<key>/thread")
    def inbox_thread(self) -> list[Response]:
        """The texts of an unknown number's conversation, a page (the first marks them read)."""
        return self.respond(
            lambda: inbox_routes.thread(self.request.path_params["key"], self.request.query_params)
        )

    @api.post("/inbox/conversations/<key>/<action>")
    def inbox_triage(self) -> list[Response]:
        """assign {staffId} / take / done / reopen / link {patientId, addContactPoint}."""
        return self.respond(
            lambda: inbox_routes.triage(
                self.request.path_params["key"],
                self.request.path_params["action"],
                self.json_body,
                self.staff_id,
            )
        )

    # Twilio webhooks ---------------------------------------------------------------------

    @api.post(STATUS_ROUTE)
    def outbound_api_status(self) -> list[Response]:
        """Twilio's delivery status callback: verified, logged by sid and status, answered 200."""
        refusal = self.refuse_unsigned(self.form_body())
        if refusal:
            return [refusal]
        update = StatusUpdate.from_params(form_params(self.form_body()))
        log.info(f"twilio status sid={update.message_sid} status={update.status}")
        effects = messaging.receive_status(update)
        return [Response(b"", status_code=HTTPStatus.OK), *effects]

    @api.post(INBOUND_ROUTE)
    def inbound_treatment(self) -> list[Response]:
        """Twilio's inbound message (POST): verified, answered with TwiML."""
        return self.answer_inbound(self.form_body())

    @api.get(INBOUND_ROUTE)
    def inbound_treatment_get(self) -> list[Response]:
        """Twilio's inbound message when the number's SmsMethod is GET."""
        return self.answer_inbound(self.request.query_string or "")

    # Route bodies ------------------------------------------------------------------------

    def read_message_page(self) -> RouteResult:
        """Body of GET /message_list (its first page also settles the number's unknown sends)."""
        number = validation.require_e164(unquote(self.request.path_params["number"]), "number")
        direction = self.request.path_params["direction"]
        if direction not in ("from", "to"):
            raise bad_request("direction must be 'from' or 'to'", "direction")
        page_size = validation.parse_page_size(self.request.query_params.get("pageSize"))
        cursor = self.request.query_params.get("page") or None
        if cursor:
            validation.require_page_cursor(cursor, "From" if direction == "from" else "To", number)
        effects = [] if cursor else messaging.resolve_log_sends(lambda: self.twilio, number)
        page = self.twilio.message_page(number, direction, page_size, cursor)
        return {
            "messages": scheduled_texts.with_send_at(
                [presenters.message_summary(message) for message in page.messages]
            ),
            "nextPage": page.next_cursor,
            "pageSize": page_size,
        }, effects

    def read_message(self) -> dict:
        """Body of GET /message/<sid>."""
        message, media = self.twilio.message_with_media(self.path_sid("message_sid", "message"))
        return {
            "message": scheduled_texts.with_send_at([presenters.message_detail(message)])[0],
            "media": [presenters.media_item(item) for item in media],
        }

    def delete_message(self) -> RouteResult:
        """Body of DELETE /message_delete/<sid>."""
        self.require_admin("delete messages")
        sid = self.path_sid("message_sid", "message")
        body, effects = messaging.delete_message(self.twilio, sid, self.staff_id)
        attachments.forget(sid)
        log.info(f"message deleted sid={sid}")
        return body, effects

    def send_message(self) -> RouteResult:
        """Body of POST /sms_send (`attachmentIds` become MediaUrls under PublicBaseUrl)."""
        data = self.json_body()
        uploaded = attachments.media_urls_for(self.config, self.staff_id, data.get("attachmentIds"))
        if uploaded:
            data = {**data, "mediaUrl": attachments.merge_media(data.get("mediaUrl"), uploaded)}
        request = service_send.through_service(
            validation.parse_send_request(data, self.config.status_url),
            lambda refresh: services_of(self.config.account_sid, lambda: self.twilio, refresh),
        )
        if request.callback_url != self.config.status_url:
            self.require_admin("use a status callback URL other than the plugin's own")
            storage.audit(self.staff_id, "send_with_callback", request.callback_url[:200])
        context = messaging.SendContext(
            staff_id=self.staff_id,
            patient_id=validation.optional_patient_id(data.get("patientId")),
            confirmed_without_consent=data.get("confirmNoConsent") is True,
            client_request_id=validation.require_client_request_id(data.get("clientRequestId")),
        )
        answer = messaging.send_to_patient(
            self.twilio, request, context, cancel_opted_out=self.cancel_on_chart_opt_out
        )
        sent = answer.body["message"]
        if uploaded:
            attachments.mark_sent(data.get("attachmentIds"), sent["sid"] or "")
        log.info(f"message sent sid={sent['sid']} status={sent['status']} -> {answer.status}")
        return answer

    def cancel_on_chart_opt_out(self, numbers: list[str]) -> list[Effect]:
        """Cancel the texts still scheduled to numbers a chart marks opted out."""
        return stop_cancels.cancel_on_chart_opt_out(numbers, lambda: self.twilio)

    def upload_attachments(self) -> dict:
        """Body of POST /attachments."""
        files = attachments.parse_upload(self.request)
        return {"attachments": attachments.store_uploads(self.staff_id, files)}

    def read_audit(self) -> dict:
        """Body of GET /audit."""
        if self.staff_id not in self.config.audit_staff_ids:
            raise ApiError(HTTPStatus.FORBIDDEN, "Only staff listed in AuditStaffIds see the audit")
        entries = storage.audit_entries()
        return {"entries": [presenters.audit_entry(entry) for entry in entries]}

    def change_inbound_webhook(self) -> dict:
        """Body of POST /inbound_webhook/<phone_sid>."""
        self.require_admin("change where a number's texts go")
        phone_sid = self.path_sid("phone_sid", "phone")
        setting = validation.parse_webhook_setting(self.json_body())
        phone = self.twilio.set_inbound_webhook(phone_sid, setting)
        storage.audit(self.staff_id, "inbound_webhook", phone_sid)
        log.info(f"inbound webhook changed phone={phone_sid} method={setting.method}")
        return {"phone": presenters.phone_json(phone, self.config.inbound_url)}

    def answer_inbound(self, raw_params: str) -> list[Response]:
        """Verify an inbound message and answer it: no reply to keywords, else AutoReplyText."""
        refusal = self.refuse_unsigned(raw_params)
        if refusal:
            return [refusal]
        inbound = InboundMessage.from_params(form_params(raw_params))
        log.info(
            f"inbound sid={inbound.message_sid} from={mask_number(inbound.number_from)} "
            f"media={len(inbound.media_urls)} keyword={inbound.keyword or '-'}"
        )
        twiml, effects = messaging.receive_inbound(self.config, inbound)
        account = self.config.account_sid
        effects += stop_cancels.cancel_on_stop(inbound, lambda: self.twilio, account)
        return [Response(twiml.encode(), status_code=HTTPStatus.OK, content_type=XML), *effects]

    # Helpers -----------------------------------------------------------------------------

    def respond(self, build: Callable[[], RouteResult], status: int = HTTPStatus.OK) -> list[Any]:
        """Run a route body and return its JSON (and effects), or the JSON error it raised."""
        try:
            result = build()
            if isinstance(result, messaging.SendAnswer):
                status, result = result.status, (result.body, result.effects)
            body, effects = result if isinstance(result, tuple) else (result, [])
            return [JSONResponse(body, status_code=status), *effects]
        except ApiError as error:
            log.info(f"{self.request.method} {mask_numbers(self.request.path)} -> {error.status}")
            return [error.to_response()]

    def json_body(self) -> dict:
        """The request's JSON object: 415 unless sent as application/json, 400 if too deep."""
        validation.require_json_content_type(self.request.content_type)
        return validation.parse_json_object(self.request.body)

    def require_admin(self, action: str) -> None:
        """Raise the 403 `admin_only` unless the staff id is in AdminStaffIds (logged)."""
        if not self.config.is_admin(self.staff_id):
            log.info(f"{self.request.method} {mask_numbers(self.request.path)} -> 403 admin_only")
            raise admin_only(action)

    def form_body(self) -> str:
        """The webhook's form body as text (bytes that are not UTF-8 fail the signature)."""
        return self.request.body.decode("utf-8", errors="replace")

    @property
    def staff_id(self) -> str:
        """The logged-in staff member (authenticate() guarantees one on UI routes)."""
        return str(self.request.headers.get("canvas-logged-in-user-id") or "")

    def path_sid(self, name: str, kind: str) -> str:
        """A validated SID from the path."""
        return validation.require_sid(self.request.path_params.get(name, ""), kind)

    def refuse_unsigned(self, raw_params: str) -> Response | None:
        """A 403 unless X-Twilio-Signature proves the webhook came from Twilio."""
        url = self.config.public_url(self.request.path)
        if self.request.query_string:
            url = f"{url}?{self.request.query_string}"
        signed_params = {} if self.request.method == "GET" else form_params(raw_params)
        check = check_signature(
            self.config.auth_token,
            url,
            signed_params,
            self.request.headers.get("X-Twilio-Signature"),
            self.request.headers.get("X-Twilio-Webhooks-Signature-Settings"),
        )
        if check.valid:
            return None
        log.warning(f"webhook {self.request.path} refused: {check.reason}")
        return JSONResponse(
            {"error": {"message": "Invalid or missing Twilio signature", "twilioCode": None}},
            status_code=HTTPStatus.FORBIDDEN,
        )


def media_response(content: bytes, content_type: str, path: str) -> Response:
    """The bytes of a media item, never rendered by the browser as a page."""
    media_type = content_type.split(";")[0].strip().lower()
    safe_type = media_type if SAFE_CONTENT_TYPE.fullmatch(media_type) else OCTET_STREAM
    headers = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"}
    if not INLINE_MEDIA.fullmatch(safe_type):
        filename = path.rstrip("/").rsplit("/", 1)[-1]
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return Response(content, status_code=HTTPStatus.OK, headers=headers, content_type=safe_type)
