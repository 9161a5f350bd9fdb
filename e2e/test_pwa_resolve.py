"""Scans resolve offline from the device's copy of the catalog: a 12-digit UPC-A
finds the item filed under its 13-digit EAN form, a case barcode counts its
pack, GS1 element strings carry lot and count, locations by code, barcode or
alias, and anything else is unknown (kept, never dropped)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from liveserver import ROOT, cli, server_env
from pwa_helpers import PHONE, open_app

from sync.catalog import add_location_code
from sync.db import connect, write_transaction

if TYPE_CHECKING:
    from conftest import LiveServer

GS = "\u001d"
CASES = [
    ("036000291452", {"kind": "item", "sku": "E2E-UPC", "units": 1}),  # UPC-A -> its EAN-13 form
    ("0036000291452", {"kind": "item", "sku": "E2E-UPC", "units": 1}),
    ("10036000291459", {"kind": "item", "sku": "E2E-UPC", "units": 6}),  # the case of 6
    ("]C1011003600029145910L-5" + GS + "17271231",
     {"kind": "item", "sku": "E2E-UPC", "units": 6, "lot": "L-5", "expiry": "2027-12-31"}),
    ("(01)10036000291459(30)4", {"kind": "item", "sku": "E2E-UPC", "units": 24}),
    ("E2E-UPC", {"kind": "item", "sku": "E2E-UPC", "units": 1}),
    ("LA0101", {"kind": "location", "location": "A-01-01"}),
    ("A-01-01", {"kind": "location", "location": "A-01-01"}),
    ("OLD-A0101", {"kind": "location", "location": "A-01-01"}),  # an alias a supervisor mapped
    ("0400000000009", {"kind": "unknown"}),
    ("no such thing", {"kind": "unknown"}),
]  # fmt: skip


@pytest.fixture(scope="module")
def resolved(
    signed_in: Any, live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> list[dict[str, Any]]:
    items = Path(tmp_path_factory.mktemp("items")) / "items.csv"
    items.write_text("sku,name,barcodes\nE2E-UPC,Soup can,0036000291452;10036000291459x6\n")
    subprocess.run(cli("import", "items", str(items), "--db", str(live_server.db)), cwd=ROOT,
                   env=server_env(), check=True, capture_output=True)  # fmt: skip
    # what mapping an old label's code to a location that has a barcode does
    conn = connect(live_server.db)
    try:
        with write_transaction(conn):
            (location_id,) = conn.execute(
                "SELECT id FROM locations WHERE code = 'A-01-01'"
            ).fetchone()
            assert add_location_code(conn, location_id, "OLD-A0101", by_user="e2e") == "alias"
    finally:
        conn.close()
    context = signed_in("picker", viewport=PHONE)
    page = context.new_page()
    open_app(page, live_server.url, "lookup")
    context.set_offline(True)
    result: list[dict[str, Any]] = page.evaluate(
        """(codes) => codes.map((code) => {
            const r = window.shelfsync.catalog.resolve(code);
            return {kind: r.kind, sku: r.item ? r.item.sku : undefined, units: r.units,
                    lot: r.lot, expiry: r.expiry,
                    location: r.location ? r.location.code : undefined};
        })""",
        [code for code, _ in CASES],
    )
    context.close()
    return result


@pytest.mark.parametrize("index", range(len(CASES)), ids=[c[0] for c in CASES])
def test_resolves(resolved: list[dict[str, Any]], index: int) -> None:
    want = CASES[index][1]
    got = {k: v for k, v in resolved[index].items() if v is not None}
    assert {k: got.get(k) for k in want} == want
    if want["kind"] == "unknown":
        assert "sku" not in got
