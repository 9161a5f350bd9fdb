"""The console's forms when something is refused or skipped: shown again as
sent, never reset, and each skip with its reason.

A reset form is worse than no form: the supervisor fixes the one field the
error named and presses Resolve again, and what posts is the default action
with the other fields dropped (a count accepted at 300 when 290 was typed).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from consolecalls import only_conflict, stock
from devicesim import SimDevice
from starlette.testclient import TestClient

from server.database import Store
from server.users import User


class _FormFields(HTMLParser):
    """What a browser would send from the form posting to ``action``: each input's
    value (a checkbox only when checked) and each select's selected option (else
    its first), as a user sees them."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.fields = action, False, dict[str, str]()
        self.select: str | None = None
        self.first: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("action", "").startswith(self.action)
        elif not self.inside:
            return
        elif tag == "input" and (a.get("type") != "checkbox" or "checked" in a):
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "select":
            self.select, self.first = a["name"], None
        elif tag == "option" and self.select:
            value = a.get("value", "")
            if self.first is None:
                self.first = self.fields[self.select] = value
            if "selected" in a:
                self.fields[self.select] = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None


def shown(html: str, action: str) -> dict[str, str]:
    parser = _FormFields(action)
    parser.feed(html)
    return parser.fields


@pytest.fixture
def held(conflict_of: Callable[..., dict[str, Any]]) -> str:
    """A count of 300 held against a book of 100 (SKU-1 in A-01): its conflict id."""
    return str(conflict_of("count", "SKU-1", 300, to="A-01", code="COUNT_VARIANCE")["id"])


def test_a_refused_edit_comes_back_as_sent_and_the_fixed_form_posts_the_edit(
    client: TestClient, held: str
) -> None:
    resolve = f"/console/conflicts/{held}/resolve"
    form = shown(client.get(f"/console/conflicts/{held}").text, resolve)
    form.update(action="edit", counted="29O", reason="two of us recounted it")
    refused = client.post(resolve, data=form)
    assert refused.status_code == 400
    assert "counted: a whole number &gt;= 0" in refused.text
    again = shown(refused.text, resolve)
    assert (again["action"], again["counted"], again["reason"]) == (
        "edit", "29O", "two of us recounted it")  # fmt: skip
    again["counted"] = "290"  # the one field the error named
    done = client.post(resolve, data=again, follow_redirects=False)
    assert done.status_code == 303
    assert stock(client, "SKU-1", "A-01") == 290
    detail = client.get(f"/api/conflicts/{held}").json()
    assert [(r["action"], r["counted"]) for r in detail["resolution_details"]] == [("edit", 290)]


def test_every_field_and_the_checkbox_come_back(client: TestClient, held: str) -> None:
    resolve = f"/console/conflicts/{held}/resolve"
    form = shown(client.get(f"/console/conflicts/{held}").text, resolve)
    form.update(action="recount", reason="", assign_to="pia", show_book="1")
    refused = client.post(resolve, data=form)
    assert refused.status_code == 400 and "reason: say why" in refused.text
    again = shown(refused.text, resolve)
    assert {k: again.get(k) for k in ("action", "reason", "assign_to", "show_book")} == {
        "action": "recount", "reason": "", "assign_to": "pia", "show_book": "1"}  # fmt: skip


@pytest.mark.parametrize(
    ("action", "extra", "refusal"),
    [
        ("accept", {"counted": "290"}, "counted: only for edit; empty it to accept"),
        ("accept_counted_now", {"qty": "3"}, "qty: only for edit or reallocate"),
        ("void", {"assign_to": "pia", "show_book": "1"}, "assign_to: only for recount"),
        ("recount", {"item": "SKU-2", "pack_qty": "12"}, "pack_qty: only for map"),
        ("edit", {"counted": "290", "assign_to": "pia"}, "assign_to: only for recount"),
    ],
)
def test_a_field_the_action_does_not_use_is_refused_not_dropped(
    client: TestClient, held: str, action: str, extra: dict[str, str], refusal: str
) -> None:
    resolve = f"/console/conflicts/{held}/resolve"
    form = shown(client.get(f"/console/conflicts/{held}").text, resolve)
    form.update(action=action, reason="as typed", **extra)
    refused = client.post(resolve, data=form)
    assert refused.status_code == 400 and refusal in refused.text
    assert {k: shown(refused.text, resolve)[k] for k in ("action", *extra)} == {
        "action": action, **extra}  # fmt: skip
    assert only_conflict(client, code="COUNT_VARIANCE")["state"] == "open"
    assert stock(client, "SKU-1", "A-01") == 100  # nothing posted


def _inbox_links(html: str) -> list[str]:
    return re.findall(r'href="/console/conflicts/(c-\d+)">c-\d+ \w+</a>', html)


def test_bulk_accept_lists_each_skipped_conflict_with_why(
    client: TestClient, make_sim: Callable[..., SimDevice], supervisor: User, store: Store
) -> None:
    store.write(lambda c: c.execute("UPDATE items SET unit_cost = 0.5 WHERE sku = 'SKU-1'"))
    sim = make_sim()
    sim.record("count", "SKU-1", 70, to="A-01")  # 30 × 0.50 = 15: accepted
    sim.record("count", "SKU-1", 200, to="A-02")  # 200 × 0.50 = 100: too much
    sim.record("count", "SKU-2", 10, to="A-01")  # no unit cost: never in bulk
    sim.push()
    inbox = client.get("/console/conflicts")
    form = shown(inbox.text, "/console/conflicts/bulk-accept")
    ids = re.findall(r'name="ids" value="(c-\d+)"', inbox.text)
    at = {
        (c["item"], c["location"]): c["id"]
        for c in client.get("/api/conflicts").json()["conflicts"]
    }
    assert sorted(ids) == sorted(at.values())
    done = client.post("/console/conflicts/bulk-accept",
                       data={**form, "ids": ids, "reason": "small variances"})  # fmt: skip
    assert done.status_code == 200
    assert "Bulk accept: accepted 1, skipped 2:" in done.text
    skipped = re.findall(r'<li><a href="/console/conflicts/c-\d+">(c-\d+)</a>: ([^<]*)</li>',
                         done.text)  # fmt: skip
    assert dict(skipped) == {
        at["SKU-1", "A-02"]: "the variance of +200 is worth 100.00; the limit is 50.00",
        at["SKU-2", "A-01"]: "the variance of -40 has no unit cost; the limit is 50.00",
    }
    assert stock(client, "SKU-1", "A-01") == 70
    small = at["SKU-1", "A-01"]
    assert _inbox_links(done.text) == [c for c in _inbox_links(inbox.text) if c != small]


def test_bulk_accept_with_nothing_ticked_shows_the_inbox_as_it_was(
    client: TestClient, make_sim: Callable[..., SimDevice], supervisor: User
) -> None:
    sim = make_sim()
    sim.record("count", "SKU-1", 70, to="A-01")
    sim.record("count", "SKU-2", 10, to="A-01")
    sim.record("pick", "SKU-2", 80, from_="A-02", to="TOTE-1")  # NEGATIVE_STOCK
    sim.push()
    inbox = client.get("/console/conflicts", params={"code": "COUNT_VARIANCE"})
    counts = _inbox_links(inbox.text)
    assert len(counts) == 2
    form = shown(inbox.text, "/console/conflicts/bulk-accept")
    action = re.search(r'action="(/console/conflicts/bulk-accept[^"]*)"', inbox.text)
    assert action is not None
    refused = client.post(action.group(1).replace("&amp;", "&"),
                          data={**form, "reason": "small ones"})  # fmt: skip
    assert refused.status_code == 400
    assert "ids: a list of 1 to 500 conflict ids" in refused.text
    assert _inbox_links(refused.text) == counts  # still filtered to the count variances
    assert "No conflicts match." not in refused.text
    assert shown(refused.text, "/console/conflicts/bulk-accept")["reason"] == "small ones"
    no_reason = client.post(action.group(1).replace("&amp;", "&"),
                            data={**form, "ids": counts[0], "reason": ""})  # fmt: skip
    assert no_reason.status_code == 400 and "reason" in no_reason.text
    assert shown(no_reason.text, "/console/conflicts/bulk-accept")["ids"] == counts[0]  # ticked


@pytest.mark.parametrize("typed", ["²", "١", "99999999999999999999999"])
def test_a_number_no_one_can_mean_is_refused_with_the_form_as_sent(
    client: TestClient, held: str, typed: str
) -> None:
    resolve = f"/console/conflicts/{held}/resolve"
    form = shown(client.get(f"/console/conflicts/{held}").text, resolve)
    form.update(action="edit", counted=typed, reason="as typed")
    refused = client.post(resolve, data=form)
    assert refused.status_code == 400, refused.text
    assert "counted: a whole number" in refused.text
    assert shown(refused.text, resolve)["counted"] == typed
    assert stock(client, "SKU-1", "A-01") == 100  # nothing posted
