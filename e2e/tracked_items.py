"""Lot- and serial-tracked items for the browser tests: a serial-tracked item
imported into the live server's catalog, and the GS1 labels that carry a lot
or a serial."""

from __future__ import annotations

import subprocess
from pathlib import Path

from liveserver import ROOT, cli, server_env

__all__ = ["gs1", "import_serial_item"]


def gs1(ean: str, ai: str, value: str) -> str:
    """A GS1-128 scan: the item's GTIN-14, then one more field (10 lot, 21 serial)."""
    return f"]C101{ean.zfill(14)}{ai}{value}"


def import_serial_item(db: Path, folder: Path, sku: str, ean: str) -> None:
    """``shelfsync import items`` of one serial-tracked item with its unit barcode."""
    items = folder / f"{sku}.csv"
    items.write_text(f"sku,name,tracking,barcodes\n{sku},Meter,serial,{ean}\n")
    subprocess.run(cli("import", "items", str(items), "--db", str(db)), cwd=ROOT,
                   env=server_env(), check=True, capture_output=True)  # fmt: skip
