"""The values the chart app's JavaScript needs, defined here once and handed to the page."""

from __future__ import annotations

from twilio_sms_mms.constants import gsm7, settings
from twilio_sms_mms.constants.statuses import FINAL_STATUSES, STATUS_RANK

# The E.164 rule, written so that Python's `re` and JavaScript's RegExp read it the same way.
E164_PATTERN_SOURCE = r"^\+[1-9][0-9]{6,14}$"


def client_values() -> dict:
    """Limits, attachments, the segment rule's tables, the E.164 rule, the status order, as JSON."""
    return {
        "limits": {
            "bodyMaxChars": settings.BODY_MAX_CHARS,
            "mediaMaxCount": settings.MEDIA_MAX_COUNT,
            "pageSizeDefault": settings.PAGE_SIZE_DEFAULT,
            "pageSizeMax": settings.PAGE_SIZE_MAX,
            "scheduleMinAheadMinutes": settings.SCHEDULE_MIN_AHEAD_MINUTES,
            "scheduleMaxAheadDays": settings.SCHEDULE_MAX_AHEAD_DAYS,
            "mediaMaxBytes": settings.MEDIA_MAX_TOTAL_BYTES,
        },
        "attachments": {
            "types": list(settings.MEDIA_TYPES),
            "photoMaxSide": settings.PHOTO_MAX_SIDE_PX,
            "photoQuality": settings.PHOTO_JPEG_QUALITY,
            "photoRedrawOver": settings.PHOTO_REDRAW_OVER_BYTES,
        },
        "segments": {
            "gsm7Basic": gsm7.GSM7_BASIC,
            "gsm7Extension": gsm7.GSM7_EXTENSION,
            "gsm7Single": gsm7.GSM7_SINGLE_SEGMENT,
            "gsm7Multi": gsm7.GSM7_MULTI_SEGMENT,
            "ucs2Single": gsm7.UCS2_SINGLE_SEGMENT,
            "ucs2Multi": gsm7.UCS2_MULTI_SEGMENT,
        },
        "e164Pattern": E164_PATTERN_SOURCE,
        "statusRank": {str(status): rank for status, rank in STATUS_RANK.items()},
        "finalStatuses": sorted(str(status) for status in FINAL_STATUSES),
    }
