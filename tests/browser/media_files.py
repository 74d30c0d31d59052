"""Files a clinician attaches, made in the test: a small PNG, a PDF, a HEIC header, a phone photo.

Playwright hands them to the page as `{"name", "mimeType", "buffer"}` payloads (the file picker's
`set_input_files`), or as bytes for a paste or a drop (`transfer_files`).
"""

from __future__ import annotations

import base64
import struct
import zlib
from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    from playwright.sync_api import Frame, JSHandle


class FilePayload(TypedDict):
    """What `set_input_files` takes for a file that exists only in memory."""

    name: str
    mimeType: str
    buffer: bytes


def png(width: int = 48, height: int = 32, rgb: tuple[int, int, int] = (200, 80, 40)) -> bytes:
    """A valid PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


# A one-page PDF; the plugin judges a PDF by its first bytes, Twilio by the Content-Type.
PDF = (
    b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n"
    b"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]>> endobj\n"
    b"trailer <</Root 1 0 R>>\n%%EOF\n"
)
# What an iPhone photo starts with: an ISO-BMFF `ftyp` box of brand `heic`.
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(2_000)


def payload(name: str, mime_type: str, content: bytes) -> FilePayload:
    """One in-memory file for `set_input_files`."""
    return {"name": name, "mimeType": mime_type, "buffer": content}


# A 12-megapixel photo (4032 x 3024) of a gradient with noise, JPEG at 0.95: about 6.5 MB.
_PHONE_PHOTO_JS = """async () => {
  const width = 4032, height = 3024;
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext("2d");
  const image = context.createImageData(width, height);
  let seed = 12345;
  const noise = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff * 48;
  for (let i = 0; i < width * height; i++) {
    const n = noise();
    image.data[4 * i] = ((i % width) / width) * 180 + n;
    image.data[4 * i + 1] = (Math.floor(i / width) / height) * 180 + n;
    image.data[4 * i + 2] = 128 + n;
    image.data[4 * i + 3] = 255;
  }
  context.putImageData(image, 0, 0);
  const blob = await canvas.convertToBlob({ type: "image/jpeg", quality: 0.95 });
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}"""
PHONE_PHOTO_SIDES = (4032, 3024)


def phone_photo(frame: Frame) -> bytes:
    """A large phone photo, encoded by the browser (the test machine has no image library)."""
    return base64.b64decode(frame.evaluate(_PHONE_PHOTO_JS))


def transfer_files(frame: Frame, files: list[FilePayload], text: str = "") -> JSHandle:
    """A DataTransfer in the page holding `files` (and `text`), as a paste or a drop has them."""
    return frame.evaluate_handle(
        """([files, text]) => {
          const transfer = new DataTransfer();
          if (text) transfer.setData("text/plain", text);
          for (const file of files) {
            const bytes = Uint8Array.from(atob(file.data), (c) => c.charCodeAt(0));
            transfer.items.add(new File([bytes], file.name, { type: file.type }));
          }
          return transfer;
        }""",
        [
            [
                {
                    "name": item["name"],
                    "type": item["mimeType"],
                    "data": base64.b64encode(item["buffer"]).decode(),
                }
                for item in files
            ],
            text,
        ],
    )
