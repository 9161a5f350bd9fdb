"""Benchmark: ``POST /api/scan`` against zxing-cpp used directly, on the same photos.

Run: ``.venv/bin/python tests/bench/scan_decode.py [--per-folder N] [--quick]``

1. **Real photos** (``shared/data/barcodes``, every folder): each photo once
   through the endpoint (the real ASGI app, a device token, multipart upload,
   catalog resolution included) and once through zxing-cpp's default
   ``read_barcodes`` on the file as Pillow opens it.  Read rate and p50 per
   folder, side by side.
2. **12-megapixel photos** made from them: the first ``--per-folder`` photos
   of each folder that zxing-cpp reads are scaled up (long side 2000 px) and
   pasted at an offset on a 4000x3000 textured background (coarse colour
   blotches, fine grain, a light gradient: a desk, not a blank page), saved as
   JPEG quality 90 — what a phone sends.  Direct = open, decode at full
   resolution, ``read_barcodes`` with defaults; endpoint = the whole request.

The last line is ``summary key=value …``.  Targets: the endpoint's read rate
at least zxing-cpp's on every folder; a 12 MP photo at p50 <= 250 ms.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

import zxingcpp
from argon2 import PasswordHasher, profiles
from PIL import Image
from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from photos import (  # noqa: E402
    FOLDERS,
    barcodes_dir,
    big_photo,
    encode,
    expected_text,
    open_photo,
    same_code,
)

from server.app import create_app  # noqa: E402
from server.settings import Settings  # noqa: E402
from server.users import add_user  # noqa: E402

TARGET_12MP_MS = 250.0
HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)


def _device(client: TestClient) -> dict[str, str]:
    client.app.state.store.transact(  # type: ignore[attr-defined]
        add_user, "bench", "picker", "bench-password", hasher=HASHER
    )
    answer = client.post(
        "/api/devices", json={"name": "bench", "username": "bench", "password": "bench-password"}
    )
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def _direct(path_or_image: Any) -> tuple[list[str], float]:
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Palette images with Transparency", UserWarning)
        image = Image.open(path_or_image)
        image.load()
        texts = [b.text for b in zxingcpp.read_barcodes(image)]
    return texts, (time.perf_counter() - started) * 1000


def _endpoint(client: TestClient, headers: dict[str, str], data: bytes, name: str,
              media: str) -> tuple[list[str], float]:  # fmt: skip
    started = time.perf_counter()
    answer = client.post("/api/scan", files={"photo": (name, data, media)}, headers=headers)
    ms = (time.perf_counter() - started) * 1000
    answer.raise_for_status()
    return [c["text"] for c in answer.json()["codes"]], ms


def _hit(texts: list[str], expected: str | None) -> bool:
    if expected is None:  # a photo of no code: a hit is reading nothing
        return not texts
    return any(same_code(t, expected) for t in texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-folder", type=int, default=6, help="12 MP photos per folder")
    parser.add_argument("--quick", action="store_true", help="2 12 MP photos per folder")
    args = parser.parse_args()
    per_folder = 2 if args.quick else args.per_folder
    root = barcodes_dir()
    summary: dict[str, Any] = {}
    rates_ok = True
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env({}, db=Path(tmp) / "bench.db")
        with TestClient(create_app(settings, password_hasher=HASHER)) as client:
            headers = _device(client)
            ep_all: list[float] = []
            zx_all: list[float] = []
            big_sources: list[tuple[Path, str]] = []
            print(f"{'folder':18} {'photos':>6} {'zxing':>7} {'endpoint':>8} "
                  f"{'zxing p50':>10} {'endpoint p50':>12}")  # fmt: skip
            for folder in FOLDERS:
                photos = sorted((root / folder).glob("*.png"))
                zx_hits = ep_hits = 0
                zx_ms: list[float] = []
                ep_ms: list[float] = []
                for path in photos:
                    expected = expected_text(path)
                    texts, ms = _direct(path)
                    zx_ms.append(ms)
                    zx_hit = _hit(texts, expected)
                    zx_hits += zx_hit
                    texts, ms = _endpoint(
                        client, headers, path.read_bytes(), path.name, "image/png"
                    )
                    ep_ms.append(ms)
                    ep_hits += _hit(texts, expected)
                    n_big = sum(1 for p, _ in big_sources if p.parent == path.parent)
                    if zx_hit and expected is not None and n_big < per_folder:
                        big_sources.append((path, expected))
                key = folder.replace("-", "_")
                n = len(photos)
                summary[f"rate_{key}_zxing"] = round(zx_hits / n, 3)
                summary[f"rate_{key}_endpoint"] = round(ep_hits / n, 3)
                rates_ok &= ep_hits >= zx_hits
                zx_all += zx_ms
                ep_all += ep_ms
                zx_p50, ep_p50 = statistics.median(zx_ms), statistics.median(ep_ms)
                print(f"{folder:18} {n:6d} {zx_hits:7d} {ep_hits:8d} "
                      f"{zx_p50:8.1f}ms {ep_p50:10.1f}ms")  # fmt: skip
            summary["photos_p50_ms_zxing"] = round(statistics.median(zx_all), 1)
            summary["photos_p50_ms_endpoint"] = round(statistics.median(ep_all), 1)

            big_zx: list[float] = []
            big_ep: list[float] = []
            zx_reads = ep_reads = 0
            for i, (path, expected) in enumerate(big_sources):
                photo, _ = big_photo(
                    open_photo(path), at=(400 + 97 * i % 1500, 300 + 53 * i % 1000)
                )
                data = encode(photo, "JPEG", quality=90)
                texts, ms = _direct(io.BytesIO(data))
                big_zx.append(ms)
                zx_reads += _hit(texts, expected)
                texts, ms = _endpoint(client, headers, data, "photo.jpg", "image/jpeg")
                big_ep.append(ms)
                ep_reads += _hit(texts, expected)
            n = len(big_sources)
            p50_zx, p50_ep = statistics.median(big_zx), statistics.median(big_ep)
            print(f"12 MP JPEG photos: {n}; zxing read {zx_reads}, endpoint read {ep_reads}; "
                  f"p50 zxing {p50_zx:.0f} ms, endpoint {p50_ep:.0f} ms")  # fmt: skip
    summary.update(
        photos_rate_at_least_zxing="yes" if rates_ok else "no",
        mp12_photos=n,
        mp12_reads_zxing=zx_reads,
        mp12_reads_endpoint=ep_reads,
        mp12_p50_ms_zxing=round(p50_zx, 1),
        mp12_p50_ms_endpoint=round(p50_ep, 1),
        mp12_p90_ms_endpoint=round(sorted(big_ep)[int(0.9 * (n - 1))], 1),
        ratio_mp12_endpoint_to_zxing=round(p50_ep / p50_zx, 3),
        target_mp12_ms=TARGET_12MP_MS,
        ratio_mp12_to_target=round(p50_ep / TARGET_12MP_MS, 3),
        mp12_target_met="yes" if p50_ep <= TARGET_12MP_MS else "no",
    )
    print("summary " + " ".join(f"{k}={v}" for k, v in summary.items()))


if __name__ == "__main__":
    main()
