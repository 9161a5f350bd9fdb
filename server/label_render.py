"""Drawing labels: zxing-cpp's writer as SVG, laid out for common label stock.

``LAYOUTS`` are the sizes the label page offers; ``barcode_svg(label)``
is the symbol of one label as inline SVG that scales to its box (a
``viewBox``, crisp edges, no XML prologue).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import zxingcpp
from zxingcpp import BarcodeFormat

from sync.errors import InvalidRequest
from sync.labels import Label

__all__ = ["Layout", "LAYOUTS", "DEFAULT_LAYOUT", "layout_named", "barcode_svg"]


@dataclass(frozen=True)
class Layout:
    """A page of ``columns`` x ``rows`` labels.  Its sizes are in
    ``web/static/css/labels.css`` (class ``layout-<name>``, a named ``@page``)."""

    name: str
    title: str
    columns: int = 1
    rows: int = 1

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for layout in (
        Layout("a4-3x8", "A4 sheet, 3 x 8 labels of 70 x 36 mm", columns=3, rows=8),
        Layout("letter-3x10", "US Letter sheet, 3 x 10 labels of 2.625 x 1 in", columns=3, rows=10),
        Layout("4x6", "4 x 6 in shipping label, one per page"),
        Layout("2x1", "2 x 1 in roll label, one per page"),
    )
}
DEFAULT_LAYOUT = "a4-3x8"

_FORMATS = {
    "bin": BarcodeFormat.Code128,
    "item": BarcodeFormat.EAN13,
    "lot": BarcodeFormat.DataMatrix,
}
_SVG_SIZE = re.compile(r'<svg width="(\d+(?:\.\d+)?)" height="(\d+(?:\.\d+)?)"')


def layout_named(name: str | None) -> Layout:
    layout = LAYOUTS.get(name or DEFAULT_LAYOUT)
    if layout is None:
        raise InvalidRequest(f"size: {name!r} is not one of {', '.join(LAYOUTS)}")
    return layout


def barcode_svg(label: Label) -> str:
    """The label's barcode as inline SVG (the writer refuses content it cannot hold)."""
    if label.kind == "lot":
        barcode = zxingcpp.create_barcode(
            label.content, BarcodeFormat.DataMatrix, gs1=True, forceSquare=True
        )
    else:
        barcode = zxingcpp.create_barcode(label.content, _FORMATS[label.kind])
    svg = barcode.to_svg(add_hrt=label.kind == "item")
    svg = svg[svg.index("<svg") :]
    # a bin's bars may stretch to the label's height; digits and squares keep their shape
    aspect = "none" if label.kind == "bin" else "xMidYMid meet"
    return _SVG_SIZE.sub(
        rf'<svg viewBox="0 0 \1 \2" preserveAspectRatio="{aspect}"'
        r' shape-rendering="crispEdges" role="img"',
        svg,
        count=1,
    )
