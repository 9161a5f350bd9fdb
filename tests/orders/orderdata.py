"""Order bodies for the order tests."""

from __future__ import annotations

from typing import Any

SHIP_TO = {"name": "Ada", "line1": "1 Dock Road", "city": "Leeds", "postcode": "LS1 1AA",
           "country": "GB"}  # fmt: skip


def order(ref: str | None, *lines: tuple[str, int], channel: str = "shop") -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": channel,
        "customer": "Ada Lovelace",
        "ship_to": SHIP_TO,
        "lines": [{"item": item, "qty": qty} for item, qty in lines],
    }
    if ref is not None:
        body["external_ref"] = ref
    return body
