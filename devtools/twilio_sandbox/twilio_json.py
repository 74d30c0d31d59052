"""The JSON shapes of Twilio resources (phone numbers, messages, media)."""

from devtools.twilio_sandbox.clock import rfc2822
from devtools.twilio_sandbox.records import Media, Message, PhoneNumber

API_VERSION = "2010-04-01"


def account_path(account_sid: str) -> str:
    """Return `/2010-04-01/Accounts/{AC}`."""
    return f"/{API_VERSION}/Accounts/{account_sid}"


def phone_json(account_sid: str, phone: PhoneNumber) -> dict:
    """Return an IncomingPhoneNumber resource."""
    base = account_path(account_sid)
    return {
        "account_sid": account_sid,
        "address_requirements": "none",
        "address_sid": None,
        "api_version": API_VERSION,
        "beta": False,
        "bundle_sid": None,
        "capabilities": {
            "fax": phone.fax,
            "mms": phone.mms,
            "sms": phone.sms,
            "voice": phone.voice,
        },
        "date_created": rfc2822(phone.created_us),
        "date_updated": rfc2822(phone.updated_us),
        "emergency_address_sid": None,
        "emergency_address_status": "unregistered",
        "emergency_status": "Active",
        "friendly_name": phone.friendly_name,
        "identity_sid": None,
        "origin": "twilio",
        "phone_number": phone.phone_number,
        "sid": phone.sid,
        "sms_application_sid": "",
        "sms_fallback_method": phone.sms_fallback_method,
        "sms_fallback_url": phone.sms_fallback_url,
        "sms_method": phone.sms_method,
        "sms_url": phone.sms_url,
        "status": "in-use",
        "status_callback": phone.status_callback,
        "status_callback_method": phone.status_callback_method,
        "trunk_sid": None,
        "type": "local",
        "uri": f"{base}/IncomingPhoneNumbers/{phone.sid}.json",
        "voice_application_sid": "",
        "voice_caller_id_lookup": False,
        "voice_fallback_method": "POST",
        "voice_fallback_url": "",
        "voice_method": "POST",
        "voice_receive_mode": "voice",
        "voice_url": "",
    }


def message_json(account_sid: str, message: Message) -> dict:
    """Return a Message resource (num_media and num_segments are strings, as Twilio sends)."""
    uri = f"{account_path(account_sid)}/Messages/{message.sid}"
    return {
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "body": message.body,
        "date_created": rfc2822(message.created_us),
        "date_sent": rfc2822(message.sent_us),
        "date_updated": rfc2822(message.updated_us),
        "direction": message.direction,
        "error_code": message.error_code,
        "error_message": message.error_message,
        "from": message.from_number,
        "messaging_service_sid": None,
        "num_media": str(message.num_media),
        "num_segments": str(message.num_segments),
        "price": message.price,
        "price_unit": "USD",
        "sid": message.sid,
        "status": message.status,
        "subresource_uris": {
            "media": f"{uri}/Media.json",
            "feedback": f"{uri}/Feedback.json",
        },
        "to": message.to_number,
        "uri": f"{uri}.json",
    }


def media_json(account_sid: str, media: Media) -> dict:
    """Return a Media resource (metadata of one attachment)."""
    uri = f"{account_path(account_sid)}/Messages/{media.message_sid}/Media/{media.sid}.json"
    return {
        "account_sid": account_sid,
        "content_type": media.content_type,
        "date_created": rfc2822(media.created_us),
        "date_updated": rfc2822(media.created_us),
        "parent_sid": media.message_sid,
        "sid": media.sid,
        "uri": uri,
    }
