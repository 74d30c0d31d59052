"""Sample attachments generated in code: small valid PNGs and a one-page PDF."""

import struct
import zlib
from functools import cache

from devtools.twilio_sandbox.records import NewMedia

ASSET_COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 50, 47),
    "green": (60, 160, 70),
    "blue": (40, 110, 200),
    "yellow": (235, 190, 40),
    "purple": (130, 70, 170),
}
PLACEHOLDER_COLOUR = (160, 160, 160)
PDF_ASSET = "visit-summary.pdf"


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def make_png(colour: tuple[int, int, int], size: int = 48) -> bytes:
    """Return an RGB PNG of `colour` with a white diagonal stripe (so each image is distinct)."""
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # filter type: none
        for x in range(size):
            rows.extend(b"\xff\xff\xff" if abs(x - y) < 3 else bytes(colour))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _chunk(b"IEND", b"")
    )


def make_pdf(text: str = "Visit summary") -> bytes:
    """Return a minimal valid one-page PDF showing `text`."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def asset_names() -> list[str]:
    """Return the file names served under /_sandbox/assets/."""
    return [f"{name}.png" for name in ASSET_COLOURS] + [PDF_ASSET]


@cache
def asset(name: str) -> NewMedia | None:
    """Return the sample attachment called `name` (`red.png`, `visit-summary.pdf`), or None."""
    if name == PDF_ASSET:
        return NewMedia("application/pdf", make_pdf())
    stem = name.removesuffix(".png")
    if name.endswith(".png") and stem in ASSET_COLOURS:
        return NewMedia("image/png", make_png(ASSET_COLOURS[stem]))
    return None


@cache
def placeholder() -> NewMedia:
    """Return the grey PNG stored for media URLs outside the stand-in (never fetched)."""
    return NewMedia("image/png", make_png(PLACEHOLDER_COLOUR, size=24))
