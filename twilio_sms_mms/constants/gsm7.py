"""The GSM 03.38 alphabet (GSM-7) and the segment sizes Twilio bills by."""

# Characters that take one septet.
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Characters of the extension table: an escape septet plus one, never split across segments.
GSM7_EXTENSION = "^{}\\[]~|€\f"

GSM7_SINGLE_SEGMENT = 160  # septets in a message of one segment
GSM7_MULTI_SEGMENT = 153  # septets per segment once the message is split (7 go to the header)
UCS2_SINGLE_SEGMENT = 70  # UTF-16 code units in a message of one segment
UCS2_MULTI_SEGMENT = 67  # code units per segment once split (a surrogate pair is never split)
