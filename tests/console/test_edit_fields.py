"""Which fields an edit may change, for which kind of movement — one rule
(``sync.resolution_fields``), the same through the API and the console's form.

A held count is an assertion about the bin it was counted in, at its place in
the movement order: its edit posts it with another ``counted`` and nothing
else.  A posted movement is edited by a corrected copy (``qty``,
``location``).  A field the edit cannot use for this kind is refused, never
dropped: dropped, a supervisor who typed the right bin for a held count got
the count posted at the wrong one, and said nothing about it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from consolecalls import resolve, stock
from starlette.testclient import TestClient
from test_console_forms import shown

BIN = "a held count posts at the bin it was counted in: its bin is not edited"


@pytest.fixture
def held(conflict_of: Callable[..., dict[str, Any]]) -> str:
    """A count of 300 held against a book of 100 (SKU-1 in A-01): its conflict id."""
    return str(conflict_of("count", "SKU-1", 300, to="A-01", code="COUNT_VARIANCE")["id"])


@pytest.fixture
def flagged(conflict_of: Callable[..., dict[str, Any]]) -> str:
    """A pick of 80 SKU-2 from A-01, where 50 were: posted, NEGATIVE_STOCK."""
    moved = conflict_of("pick", "SKU-2", 80, from_="A-01", to="TOTE-1", code="NEGATIVE_STOCK")
    return str(moved["id"])


def _unchanged(client: TestClient, conflict: str) -> None:
    assert client.get(f"/api/conflicts/{conflict}").json()["state"] == "open"
    assert [stock(client, "SKU-1", where) for where in ("A-01", "A-02")] == [100, 0]
    assert [stock(client, "SKU-2", where) for where in ("A-01", "TOTE-1")] in ([50, 0], [-30, 80])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"action": "edit", "counted": 290, "location": "A-02"}, f"location: {BIN}"),
        ({"action": "edit", "counted": 290, "qty": 280},
         "qty: a held count's quantity is counted; empty it to edit"),
        ({"action": "accept", "counted": 290}, "counted: only for edit; empty it to accept"),
    ],
)  # fmt: skip
def test_the_api_refuses_what_an_edit_of_a_held_count_cannot_change(
    client: TestClient, held: str, body: dict[str, Any], message: str
) -> None:
    res = resolve(client, held, reason="as typed", **body)
    assert res.status_code == 400, res.text
    assert message in res.json()["message"]
    _unchanged(client, held)
    done = resolve(client, held, action="edit", reason="as typed", counted=290)
    assert done.status_code == 201, done.text
    assert stock(client, "SKU-1", "A-01") == 290


def test_the_api_refuses_a_counted_for_a_posted_movement(client: TestClient, flagged: str) -> None:
    res = resolve(client, flagged, action="edit", reason="it was 40", qty=40, counted=5)
    assert res.status_code == 400, res.text
    assert "counted: only for a held count" in res.json()["message"]
    _unchanged(client, flagged)
    done = resolve(client, flagged, action="edit", reason="it was 40", qty=40)
    assert done.status_code == 201, done.text
    assert [stock(client, "SKU-2", where) for where in ("A-01", "TOTE-1")] == [10, 40]


def test_the_form_of_a_held_count_offers_counted_and_says_the_bin_stays(
    client: TestClient, held: str
) -> None:
    page = client.get(f"/console/conflicts/{held}").text
    form = shown(page, f"/console/conflicts/{held}/resolve")
    assert "counted" in form
    assert not {"qty", "location", "item", "pack_qty"} & set(form)  # nothing it cannot use
    assert BIN in page


def test_a_held_count_edited_on_the_form_with_a_bin_is_refused_as_sent_then_posts(
    client: TestClient, held: str
) -> None:
    """A form sent with a bin (a stale page, a hand-made post) is refused, shown
    again as sent; emptied, what posts is what the form shows."""
    resolve_url = f"/console/conflicts/{held}/resolve"
    form = shown(client.get(f"/console/conflicts/{held}").text, resolve_url)
    form.update(action="edit", reason="recounted", counted="290", location="A-02")
    refused = client.post(resolve_url, data=form)
    assert refused.status_code == 400, refused.text
    assert f"location: {BIN}" in refused.text
    again = shown(refused.text, resolve_url)
    assert (again["counted"], again["location"]) == ("290", "A-02")
    _unchanged(client, held)
    again["location"] = ""
    done = client.post(resolve_url, data=again, follow_redirects=False)
    assert done.status_code == 303, done.text
    assert [stock(client, "SKU-1", where) for where in ("A-01", "A-02")] == [290, 0]


def test_the_form_of_a_posted_movement_offers_qty_and_location_not_counted(
    client: TestClient, flagged: str
) -> None:
    resolve_url = f"/console/conflicts/{flagged}/resolve"
    form = shown(client.get(f"/console/conflicts/{flagged}").text, resolve_url)
    assert {"qty", "location"} <= set(form) and "counted" not in form
    form.update(action="edit", reason="it was 40", qty="40")
    done = client.post(resolve_url, data=form, follow_redirects=False)
    assert done.status_code == 303, done.text
    assert [stock(client, "SKU-2", where) for where in ("A-01", "TOTE-1")] == [10, 40]


@pytest.mark.parametrize(
    ("moved", "body", "message"),
    [
        ({"kind": "receive", "item": "NEW-CODE", "to": "DOCK"},
         {"item": "SKU-2", "location": "A-02"},
         "location: this maps an unknown item: the SKU goes in item; empty it to map"),
        ({"kind": "transfer", "item": "SKU-1", "from_": "A-01", "to": "LZ9999"},
         {"location": "A-03", "pack_qty": 12},
         "pack_qty: only for an unknown item's barcode; empty it to map"),
    ],
)  # fmt: skip
def test_a_map_refuses_the_field_of_the_other_kind_of_name(
    client: TestClient,
    conflict_of: Callable[..., dict[str, Any]],
    moved: dict[str, str],
    body: dict[str, Any],
    message: str,
) -> None:
    row = conflict_of(moved.pop("kind"), moved.pop("item"), 4, **moved)
    res = resolve(client, row["id"], action="map", reason="old label", **body)
    assert res.status_code == 400, res.text
    assert res.json()["message"] == message
    assert client.get(f"/api/conflicts/{row['id']}").json()["state"] == "open"
