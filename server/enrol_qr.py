"""Enrolment codes as QR codes (SVG), for a handheld to join by scanning.

The QR code holds a URL of this server with the code in its query
(``…/?enrol=<code>``): the floor app reads it from its own address, and a
phone's camera app opens it.  zxing-cpp makes the symbol.
"""

from __future__ import annotations

import re

import zxingcpp

__all__ = ["enrolment_url", "qr_svg"]

_SIZE = re.compile(r'<svg width="(\d+)" height="(\d+)"')


def enrolment_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/?enrol={code}"


def qr_svg(content: str, *, pixels: int = 320) -> str:
    """The QR code of ``content`` as an inline SVG element, ``pixels`` wide."""
    svg = zxingcpp.create_barcode(content, zxingcpp.BarcodeFormat.QRCode).to_svg()
    svg = svg[svg.index("<svg") :]
    return _SIZE.sub(
        lambda m: (
            f'<svg viewBox="0 0 {m[1]} {m[2]}" width="{pixels}" height="{pixels}"'
            ' role="img" aria-label="enrolment QR code" shape-rendering="crispEdges"'
        ),
        svg,
        count=1,
    )
