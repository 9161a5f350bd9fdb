"""What a barcode's text carries, by GS1 rules: GTINs and GS1 element strings.

``parse_code(text, symbology)`` reads the decoder's raw text (GS, U+001D,
between variable-length fields) with the AIM symbology identifier it reported
(``]E0``, ``]C1``, ``]d2``…; ``None`` when a keyboard-wedge scanner sent none)
and returns a :class:`Gs1Data`.  Parsing is biip's; this module only decides
when a text is GS1 at all and keeps what a warehouse needs:

- a GTIN of any length comes back as GTIN-14, so a UPC-A, its EAN-13 form and
  the GTIN-14 with indicator 0 are one product code;
- an ITF of 14 digits is an ITF-14 case code, so a GTIN too;
- a wrong check digit is reported (``gtin_error``) and the GTIN left out:
  never guessed;
- digits are ASCII ``0``-``9``: "١٢" or "１２" pass ``str.isdigit`` and biip's
  patterns (``\\d`` is any Unicode digit), but no barcode encodes them, so a
  text or element value carrying them is not GS1 data;
- an element string (AI 01/02 GTIN, 10 lot, 17 expiry, 21 serial, 30/37
  count, 310n net weight in kg) is read only from a GS1 symbology (``]C1``,
  ``]d2``, ``]Q3``, ``]e0``…) or, with no identifier, when it carries a GTIN;
  a plain Code 128 such as a bin label is never taken apart as GS1;
- a GS1 Digital Link (a QR code holding ``https://…/01/<GTIN>/10/<lot>?17=…``)
  carries the same element strings; any other URL is not GS1 data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import biip

__all__ = ["Gs1Data", "parse_code", "GS1_SYMBOLOGIES", "EAN_SYMBOLOGIES"]

# AIM symbology identifiers that announce GS1 data (FNC1 in first position).
GS1_SYMBOLOGIES = frozenset({"]C1", "]d2", "]Q3", "]e0", "]J1", "]z1"})
# EAN/UPC: the text is a GTIN.
EAN_SYMBOLOGIES = frozenset({"]E0", "]E1", "]E3", "]E4", "]X0"})
# ITF: 14 digits are an ITF-14 case code (a GTIN); other lengths are not GTINs.
ITF_SYMBOLOGIES = frozenset({"]I0", "]I1"})
_GTIN_LENGTHS = (8, 12, 13, 14)


def _digits(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` alone also takes "²", "١" and "１"."""
    return text.isascii() and text.isdigit()


@dataclass(frozen=True)
class Gs1Data:
    """What the text carries.  ``kind`` is ``gtin`` (a bare product code),
    ``gs1`` (an element string) or ``none`` (not GS1 data)."""

    kind: str = "none"
    gtin: str | None = None
    gtin_error: str | None = None
    lot: str | None = None
    expiry: str | None = None
    serial: str | None = None
    count: int | None = None
    net_weight_kg: float | None = None
    elements: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    def carried(self) -> dict[str, Any]:
        """Only what the code carries, in the shared test vectors' terms."""
        out: dict[str, Any] = {
            k: v
            for k, v in (
                ("gtin", self.gtin),
                ("lot", self.lot),
                ("expiry", self.expiry),
                ("serial", self.serial),
                ("count", self.count),
                ("net_weight_kg", self.net_weight_kg),
            )
            if v is not None
        }
        if self.gtin_error:
            out["gtin_error"] = True
        return out


def parse_code(text: str, symbology: str | None = None) -> Gs1Data:
    """Parse ``text`` (raw, with GS separators) as GS1 data where it is some."""
    symbology = symbology or None
    if (
        symbology in EAN_SYMBOLOGIES
        or (symbology is None and _digits(text) and len(text) in _GTIN_LENGTHS)
        or (symbology in ITF_SYMBOLOGIES and _digits(text) and len(text) == 14)
    ):
        return _gtin_only(text, symbology)
    if symbology in GS1_SYMBOLOGIES:
        return _element_string(text, symbology)
    if text.startswith(("https://", "http://")):
        found = _digital_link(text)
        return found if found.kind == "gs1" else Gs1Data()
    if symbology is None and text[:2] in ("01", "02"):
        found = _element_string(text, None)
        if found.kind == "gs1" and (found.gtin or found.gtin_error):
            return found
    return Gs1Data()


def _gtin_only(text: str, symbology: str | None) -> Gs1Data:
    if not (_digits(text) and len(text) in _GTIN_LENGTHS):
        return Gs1Data(error=f"{text!r} is not a GTIN: expected 8, 12, 13 or 14 digits")
    result = biip.parse((symbology or "") + text)
    if result.gtin is None or not text.strip("0"):
        return Gs1Data(kind="gtin", gtin_error=str(result.gtin_error or "not a valid GTIN"))
    return Gs1Data(kind="gtin", gtin=result.gtin.as_gtin_14())


def _element_string(text: str, symbology: str | None) -> Gs1Data:
    result = biip.parse((symbology or "") + text)
    if result.gs1_message is None:
        return Gs1Data(error=str(result.gs1_message_error or "not a GS1 element string"))
    return _from_message(result.gs1_message)


def _digital_link(text: str) -> Gs1Data:
    result = biip.parse(text)  # no identifier: biip reads a URI as a Digital Link only then
    if result.gs1_digital_link_uri is None:
        return Gs1Data(error=str(result.gs1_digital_link_uri_error or "not a GS1 Digital Link"))
    return _from_message(result.gs1_digital_link_uri.as_gs1_message())


def _from_message(message: biip.gs1_messages.GS1Message) -> Gs1Data:
    values: dict[str, Any] = {"elements": {}}
    for element in message.element_strings:
        ai, value = element.ai.ai, element.value
        if not value.isascii():  # GS1 element strings are ASCII (CSET 82)
            return Gs1Data(error=f"AI ({ai}): {value!r} has characters GS1 does not allow")
        values["elements"][ai] = value
        if ai in ("01", "02"):
            if element.gtin is not None and element.gtin.value.strip("0"):
                values["gtin"] = element.gtin.as_gtin_14()
            else:
                values["gtin_error"] = str(element.gtin_error or f"{value!r} is not a GTIN")
        elif ai == "10":
            values["lot"] = value
        elif ai == "17" and element.date is not None:
            values["expiry"] = element.date.isoformat()
        elif ai == "21":
            values["serial"] = value
        elif ai in ("30", "37"):
            values["count"] = int(value)
        elif ai.startswith("310") and element.decimal is not None:
            values["net_weight_kg"] = float(element.decimal)
    return Gs1Data(kind="gs1", **values)
