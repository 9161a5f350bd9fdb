"""The shared barcode photos, and photos made from them, for tests and benchmarks.

The photos live in ``shared/data/barcodes`` beside the repository (CI clones
the repository with ``shared/`` beside it; a git worktree may sit one level
deeper, so the repository's parents are searched in turn).
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
# every folder of the shared photos; falsepositives-2 holds photos of no code
FOLDERS = ["code39-3", "datamatrix-1", "ean13-2", "falsepositives-2", "itf-2", "qrcode-3", "upca-5"]

__all__ = [
    "FOLDERS",
    "barcodes_dir",
    "expected_text",
    "open_photo",
    "same_code",
    "big_photo",
    "encode",
]


def barcodes_dir() -> Path:
    for parent in ROOT.parents:
        folder = parent / "shared" / "data" / "barcodes"
        if folder.is_dir():
            return folder
    raise FileNotFoundError(f"no shared/data/barcodes beside {ROOT} or any of its parents")


def expected_text(photo: Path) -> str | None:
    """The exact text the photo's code holds (``None`` for a photo of no code)."""
    txt = photo.with_suffix(".txt")
    if not txt.exists():
        return None
    with open(txt, encoding="utf-8", newline="") as f:  # some files have CRLF in them
        return f.read()


def open_photo(path: Path) -> Image.Image:
    """The photo as RGB (a palette's byte "transparency" dropped, as the server does)."""
    with Image.open(path) as image:
        image.info.pop("transparency", None)
        return image.convert("RGB")


def _normal(text: str) -> str:
    # a UPC-A, its EAN-13 form (zxing-cpp's) and its GTIN-14 are one product code
    return text.zfill(14) if text.isdigit() and len(text) in (8, 12, 13) else text


def same_code(read: str, expected: str) -> bool:
    return _normal(read) == _normal(expected)


@functools.lru_cache(maxsize=4)
def _texture(width: int, height: int, seed: int) -> Image.Image:
    """A desk or shelf: coarse blotches, fine grain and a light gradient, in colour."""
    rng = np.random.default_rng(seed)
    coarse = Image.fromarray(rng.integers(60, 200, (height // 40, width // 40, 3), np.uint8))
    base = np.asarray(coarse.resize((width, height), Image.Resampling.BICUBIC), np.int16)
    grain = rng.integers(-18, 18, (height, width, 1), np.int16)
    ramp = np.linspace(-25, 25, width, dtype=np.int16)[None, :, None]
    return Image.fromarray(np.clip(base + grain + ramp, 0, 255).astype(np.uint8))


def big_photo(
    photo: Image.Image, *, size: tuple[int, int] = (4000, 3000), long_side: int = 2000,
    at: tuple[int, int] = (900, 500), seed: int = 5,
) -> tuple[Image.Image, tuple[int, int, int, int]]:  # fmt: skip
    """A 12-megapixel camera photo made from ``photo``: scaled up so its long side is
    ``long_side`` px and placed at ``at`` on a textured background.  Returns the
    picture and the box (left, top, right, bottom) the code photo covers."""
    k = long_side / max(photo.size)
    scaled = photo.convert("RGB").resize(
        (round(photo.width * k), round(photo.height * k)), Image.Resampling.BICUBIC
    )
    canvas = _texture(*size, seed=seed).copy()
    canvas.paste(scaled, at)
    return canvas, (at[0], at[1], at[0] + scaled.width, at[1] + scaled.height)


def encode(image: Image.Image, kind: str = "PNG", **options: object) -> bytes:
    buf = io.BytesIO()
    image.save(buf, kind, **options)
    return buf.getvalue()
