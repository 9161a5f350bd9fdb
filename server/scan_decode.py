"""Reading barcodes from a photo: Pillow to open it, zxing-cpp to decode it.

``decode_photo(data, options)`` runs in a worker thread (``scan_photo`` puts
it there, a few at a time) and does, in order:

1. **Identify** the file from its header only (``Image.open`` reads no
   pixels): JPEG, PNG, WebP and HEIC (``pillow-heif``);
   any other image type is refused (415), a non-image or a damaged header
   too (400).  The pixel count is checked here, before anything is decoded
   (413), so a small file that claims a huge picture costs nothing.
2. **Fast passes**: a large photo is loaded at about ``fast_long_side`` px
   on its long side — a JPEG straight from the file at 1/2, 1/4 or 1/8 scale
   (draft mode: the DCT is scaled, the full picture is never made), other
   types reduced after loading — and decoded at half that size first (a code
   that fills a good part of the frame is found there in a few tens of ms),
   then at that size.  EXIF orientation is applied first, so code positions
   are those of the upright photo.
3. **Full pass**, only when the fast passes found nothing, and only when its
   expected time (the last pass's time scaled by the pixel ratio) fits in
   what is left of ``budget_ms``.

Decoding stops at the first pass that finds a code: a photo that holds a big
code and a much smaller one may report only the big one.

The image goes to zxing-cpp as a grayscale numpy array: zxing-cpp releases
the GIL on it, so scans in parallel threads really run in parallel.
Positions come back in the coordinates of the upright, full-size photo.
"""

from __future__ import annotations

import io
import math
import struct
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio
import numpy as np
import zxingcpp
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener
from zxingcpp import BarcodeFormat

from server.errors import UnsupportedMediaType
from sync.codes import Read
from sync.errors import InvalidRequest, TooLarge

__all__ = [
    "WAREHOUSE_FORMATS",
    "ACCEPTED_TYPES",
    "DecodeOptions",
    "Decoded",
    "InvalidImage",
    "ImageTooLarge",
    "UnsupportedImageType",
    "parse_formats",
    "decode_photo",
    "scan_photo",
]

register_heif_opener()  # HEIC, what iPhones take photos in

# The symbologies a warehouse uses, and their GS1 forms.
WAREHOUSE_FORMATS = zxingcpp.BarcodeFormats(
    [
        BarcodeFormat.EAN13,
        BarcodeFormat.EAN8,
        BarcodeFormat.UPCA,
        BarcodeFormat.UPCE,
        BarcodeFormat.Code128,
        BarcodeFormat.Code39,
        BarcodeFormat.ITF,
        BarcodeFormat.DataBar,
        BarcodeFormat.DataBarExp,
        BarcodeFormat.DataBarLtd,
        BarcodeFormat.QRCode,
        BarcodeFormat.DataMatrix,
    ]
)
# Pillow's format name -> the media type it is.
ACCEPTED_TYPES: dict[str, str] = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "HEIF": "image/heic",
}
_DAMAGED = (OSError, ValueError, SyntaxError, EOFError, struct.error, zlib.error, MemoryError)

# Scans decoding at once; more wait their turn (each one keeps a core busy).
_LIMITER = anyio.CapacityLimiter(2)


class InvalidImage(InvalidRequest):
    """Not an image, or a damaged or truncated one (→ 400)."""

    code = "invalid_image"


class ImageTooLarge(TooLarge):
    """Too many bytes or pixels (→ 413)."""

    code = "image_too_large"


class UnsupportedImageType(UnsupportedMediaType):
    """An image, but of a type the scanner does not take (→ 415)."""

    code = "unsupported_image_type"


@dataclass(frozen=True)
class DecodeOptions:
    formats: zxingcpp.BarcodeFormats = WAREHOUSE_FORMATS
    max_pixels: int = 50_000_000
    fast_long_side: int = 2000
    budget_ms: int = 2000


@dataclass
class Decoded:
    width: int
    height: int
    image_type: str
    reads: list[Read] = field(default_factory=list)
    passes: list[dict[str, Any]] = field(default_factory=list)


def parse_formats(value: str | None) -> zxingcpp.BarcodeFormats:
    """``None``/``warehouse``: the warehouse set; ``all``; or names like ``Aztec,PDF417``."""
    value = (value or "").strip()
    if value.lower() in ("", "warehouse"):
        return WAREHOUSE_FORMATS
    if value.lower() == "all":
        return zxingcpp.BarcodeFormats([BarcodeFormat.All])
    try:
        formats = zxingcpp.barcode_formats_from_str(value)
    except ValueError:
        formats = zxingcpp.BarcodeFormats([])
    if not list(formats):
        raise InvalidRequest(
            f"formats: {value!r} is not a list of barcode formats;"
            " use 'warehouse', 'all' or names such as 'EAN13,Code128,Aztec'"
        )
    return formats


def decode_photo(data: bytes, options: DecodeOptions) -> Decoded:
    """The codes in the photo ``data`` (blocking: call it from a worker thread)."""
    started = time.perf_counter()
    image = _identify(data, options.max_pixels)
    full_w, full_h = image.size
    if _orientation(image) in (5, 6, 7, 8):  # stored on its side: upright is the other way
        full_w, full_h = full_h, full_w
    found = Decoded(full_w, full_h, image.format or "")
    scale = min(1.0, options.fast_long_side / max(full_w, full_h))
    if scale < 1.0 and image.format == "JPEG":
        image.draft("L", (math.ceil(image.width * scale), math.ceil(image.height * scale)))
    loaded = _upright_gray(image)
    fast = _shrink(loaded, options.fast_long_side)
    if fast.width == full_w:  # a small photo: one pass, as it is
        _decode_pass(found, fast, options.formats)
        return found

    def full_size() -> Image.Image:  # a JPEG loaded in draft mode is decoded again
        if loaded.width == full_w:
            return loaded
        return _upright_gray(_identify(data, options.max_pixels))

    # big codes first (cheap), then the fast size, then full resolution
    steps: list[Callable[[], Image.Image]] = [lambda: fast.reduce(2), lambda: fast, full_size]
    for step in steps:
        if found.reads:
            break
        if found.passes:
            done = found.passes[-1]
            # this pass costs about the last one's time, times the pixel ratio
            width = found.width if step is steps[-1] else fast.width
            expected_ms = done["ms"] * (width / done["width"]) ** 2
            if (time.perf_counter() - started) * 1000 + expected_ms > options.budget_ms:
                found.passes.append({"width": width, "skipped": "over the time budget"})
                break
        _decode_pass(found, step(), options.formats)
    return found


async def scan_photo(data: bytes, options: DecodeOptions) -> Decoded:
    """``decode_photo`` off the event loop, at most a few at a time."""
    run: Callable[[bytes, DecodeOptions], Decoded] = decode_photo
    return await anyio.to_thread.run_sync(run, data, options, limiter=_LIMITER)


def _identify(data: bytes, max_pixels: int) -> Image.Image:
    if not data:
        raise InvalidImage("the photo is empty")
    try:
        image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLarge(f"the photo has too many pixels; at most {max_pixels:,}") from None
    except UnidentifiedImageError:
        raise InvalidImage("this is not an image (send a JPEG, PNG, WebP or HEIC photo)") from None
    except _DAMAGED as exc:
        raise InvalidImage(f"the image is damaged or truncated: {exc}") from None
    if image.format not in ACCEPTED_TYPES:
        kinds = ", ".join(sorted(ACCEPTED_TYPES))
        raise UnsupportedImageType(f"{image.format} images are not accepted; send one of {kinds}")
    width, height = image.size
    if width * height > max_pixels:
        raise ImageTooLarge(
            f"the photo is {width}x{height} ({width * height:,} pixels); at most {max_pixels:,}"
        )
    return image


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(0x0112, 1))
    except _DAMAGED:
        return 1


def _upright_gray(image: Image.Image) -> Image.Image:
    """Pixels decoded, EXIF orientation applied, as 8-bit gray on white."""
    try:
        image.load()
        upright = ImageOps.exif_transpose(image)
    except _DAMAGED as exc:
        raise InvalidImage(f"the image is damaged or truncated: {exc}") from None
    if upright.mode == "P":
        # a photo's palette "transparency" is an artefact of how it was saved: ignore it
        upright.info.pop("transparency", None)
        upright = upright.convert("RGB")
    if upright.mode in ("RGBA", "LA", "PA"):
        white = Image.new("RGBA", upright.size, "white")
        upright = Image.alpha_composite(white, upright.convert("RGBA"))
    return upright if upright.mode == "L" else upright.convert("L")


def _shrink(gray: Image.Image, long_side: int) -> Image.Image:
    factor = max(gray.size) / long_side
    if factor <= 1.1:
        return gray
    size = (max(1, round(gray.width / factor)), max(1, round(gray.height / factor)))
    return gray.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)


def _decode_pass(found: Decoded, gray: Image.Image, formats: zxingcpp.BarcodeFormats) -> None:
    started = time.perf_counter()
    barcodes = zxingcpp.read_barcodes(np.asarray(gray), formats=formats)
    ms = (time.perf_counter() - started) * 1000
    found.passes.append({"width": gray.width, "ms": round(ms, 1), "found": len(barcodes)})
    sx, sy = found.width / gray.width, found.height / gray.height
    for barcode in barcodes:
        # GS1 data goes to the resolver raw, with its GS separators
        gs1 = barcode.content_type == zxingcpp.ContentType.GS1
        raw = barcode.bytes.decode("latin-1") if gs1 else barcode.text
        found.reads.append(
            Read(
                text=raw,
                symbology=barcode.symbology_identifier or None,
                extra={
                    "format": str(barcode.format),
                    "symbology": barcode.symbology_identifier,
                    "text": barcode.text,
                    "content_type": barcode.content_type.name,
                    "position": _position(barcode.position, sx, sy),
                    "orientation": barcode.orientation,
                },
            )
        )


def _position(position: Any, sx: float, sy: float) -> dict[str, dict[str, int]]:
    corners = ("top_left", "top_right", "bottom_right", "bottom_left")
    return {
        name: {
            "x": round(getattr(position, name).x * sx),
            "y": round(getattr(position, name).y * sy),
        }
        for name in corners
    }
