"""Pull paging and reset; a server restored from a backup (a new epoch)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from checks import stock
from devicesim import SimDevice
from starlette.applications import Starlette
from starlette.testclient import TestClient

from server.app import create_app
from server.backup import backup, restore
from server.database import Store
from server.settings import Settings
from sync.meta import current_server_seq


def _pull(client: TestClient, sim: SimDevice, cursor: int | None, limit: int = 2000,
          epoch: str | None = None) -> dict[str, Any]:  # fmt: skip
    res = client.post(
        "/api/sync/pull",
        json={"protocol": 1, "device_id": sim.device_id, "cursor": cursor, "limit": limit,
              "epoch": epoch},
        headers=sim.headers,
    )  # fmt: skip
    assert res.status_code == 200, res.text
    body: dict[str, Any] = res.json()
    return body


def test_pull_pages_never_skip_a_change(client: TestClient, sim: SimDevice) -> None:
    full = _pull(client, sim, None)
    assert full["reset"] is True and full["more"] is False
    everything = {(r["item"], r["location"]): r["on_hand"] for r in full["changes"]["stock"]}
    seen: dict[tuple[str, str], int] = {}
    items: set[str] = set()
    cursor, pages = None, 0
    while True:
        page = _pull(client, sim, cursor, limit=2)
        pages += 1
        assert page["reset"] is (cursor is None)
        for row in page["changes"]["stock"]:
            seen[(row["item"], row["location"])] = row["on_hand"]
        items |= {i["sku"] for i in page["changes"]["items"]}
        cursor = page["cursor"]
        if not page["more"]:
            break
    assert pages > 3
    assert seen == everything
    assert items == {"SKU-1", "SKU-2", "SKU-LOT"}
    assert _pull(client, sim, cursor)["changes"]["stock"] == []


def test_pull_returns_what_changed_and_the_devices_own_results(
    client: TestClient, make_sim: Callable[..., SimDevice]
) -> None:
    a, b = make_sim("a"), make_sim("b")
    held = a.record("receive", "UNKNOWN-THING", 1, to="DOCK")
    a.record("pick", "SKU-1", 4, from_="A-01", to="TOTE-1")
    body = a.push()
    page = _pull(client, a, a.cursor)
    assert page["device_last_seq"] == body["device_last_seq"] == 2
    stock_rows = {(r["item"], r["location"]): r["on_hand"] for r in page["changes"]["stock"]}
    assert stock_rows == {("SKU-1", "A-01"): 96, ("SKU-1", "TOTE-1"): 4}
    results = {r["id"]: r for r in page["changes"]["results"]}
    assert results[held["id"]]["outcome"] == "held"
    assert results[held["id"]]["conflicts"][0]["state"] == "open"
    other = _pull(client, b, b.cursor)
    assert other["changes"]["results"] == []  # b never sees a's results
    assert len(other["changes"]["stock"]) == 2


def test_a_cursor_from_another_epoch_or_the_future_resets(
    client: TestClient, sim: SimDevice
) -> None:
    assert _pull(client, sim, sim.cursor, epoch="a-different-epoch")["reset"] is True
    assert _pull(client, sim, 10**9)["reset"] is True
    assert _pull(client, sim, sim.cursor, epoch=sim.epoch)["reset"] is False


def test_a_push_with_an_old_epoch_is_refused(client: TestClient, sim: SimDevice) -> None:
    sim.epoch = "00000000-0000-4000-8000-000000000000"
    sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1")
    res = sim.push_raw(sim.outbox)
    assert res.status_code == 409
    assert res.json()["error"] == "epoch_mismatch"
    assert stock(client, sim, "SKU-1", "A-01") == 100


def test_pull_consistency_under_concurrent_commits(
    client: TestClient, make_sim: Callable[..., SimDevice]
) -> None:
    writer, reader = make_sim("writer"), make_sim("reader")

    def pick_sixty_times() -> None:
        for _ in range(60):
            writer.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1")
            writer.push()

    view: dict[tuple[str, str], int] = {}

    def fold(page: dict[str, Any]) -> None:
        for row in page["changes"]["stock"]:
            view[(row["item"], row["location"])] = row["on_hand"]

    reader.cursor = None  # the reader builds its whole view from pulls made during the writes
    thread = threading.Thread(target=pick_sixty_times)
    thread.start()
    try:
        while thread.is_alive():
            for page in reader.pull_all(limit=3):
                fold(page)
            # after the last page the view is one snapshot: the two sides of a pick agree
            assert view[("SKU-1", "A-01")] + view.get(("SKU-1", "TOTE-1"), 0) == 100
    finally:
        thread.join()
    for page in reader.pull_all():
        fold(page)
    final = _pull(client, reader, None)
    truth = {(r["item"], r["location"]): r["on_hand"] for r in final["changes"]["stock"]}
    assert view == truth  # incremental pages under concurrent commits add up to the truth
    assert truth[("SKU-1", "TOTE-1")] == 60


def test_a_server_restored_from_a_backup_gets_every_movement_back(
    tmp_path: Path, settings: Settings, app: Starlette, make_sim: Callable[..., SimDevice],
    warehouse: Store, client: TestClient,
) -> None:  # fmt: skip
    sim = make_sim("handheld")
    early = [sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1") for _ in range(3)]
    sim.push()
    copy = backup(warehouse._writer, tmp_path / "nightly.db")
    late = [sim.record("pick", "SKU-1", 2, from_="A-01", to="TOTE-1") for _ in range(4)]
    sim.push()
    assert stock(client, sim, "SKU-1", "A-01") == 89
    client.__exit__(None, None, None)  # stop the server

    new_epoch = restore(copy, settings.db)
    restored_app = create_app(settings, password_hasher=app.state.password_hasher)
    with TestClient(restored_app) as restored:
        sim.http = restored
        assert stock(restored, sim, "SKU-1", "A-01") == 97  # the late picks are gone here
        sim.record("pick", "SKU-1", 5, from_="A-01", to="TOTE-1")
        res = sim.push_raw(sim.outbox)
        assert res.status_code == 409 and res.json()["error"] == "epoch_mismatch"
        pages = sim.pull_all()
        assert pages[0]["reset"] is True and sim.epoch == new_epoch
        # the device re-pushes its sent log, then its outbox
        body = sim.push_raw(sim.sent + sim.outbox).json()
        assert body["stopped"] is None
        replayed = {r["id"]: r["replayed"] for r in body["results"]}
        assert all(replayed[m["id"]] for m in early)
        assert not any(replayed[m["id"]] for m in late)
        assert stock(restored, sim, "SKU-1", "A-01") == 100 - 3 - 8 - 5


def test_a_pull_without_its_epoch_after_a_restore_resets(
    tmp_path: Path, settings: Settings, app: Starlette, make_sim: Callable[..., SimDevice],
    warehouse: Store, client: TestClient,
) -> None:  # fmt: skip
    """The protocol's pull shows no epoch: the server knows the one the device
    last pulled in, and a cursor from before a restore is from another epoch."""
    sim = make_sim("handheld")  # registered and pulled once: in the backup's epoch
    other = make_sim("other")
    copy = backup(warehouse._writer, tmp_path / "nightly.db")
    sim.record("pick", "SKU-1", 3, from_="A-01", to="TOTE-1")  # lost by the restore
    sim.push()
    old_cursor = _pull(client, sim, None)["cursor"]
    client.__exit__(None, None, None)  # stop the server

    new_epoch = restore(copy, settings.db)
    restored_app = create_app(settings, password_hasher=app.state.password_hasher)
    with TestClient(restored_app) as restored:
        other.http = restored
        other.pull_all()  # it hears of the restore, as a device does, and goes on
        for _ in range(10):  # new work: the restored server's newest passes the old cursor
            other.record("transfer", "SKU-2", 1, from_="A-01", to="A-02")
        other.push()
        assert restored_app.state.store.read(current_server_seq) > old_cursor
        page = _pull(restored, sim, old_cursor)
        assert (page["reset"], page["epoch"]) == (True, new_epoch)
        stock_rows = {(r["item"], r["location"]): r["on_hand"] for r in page["changes"]["stock"]}
        assert stock_rows[("SKU-1", "A-01")] == 100  # the picks the restore undid
        assert _pull(restored, sim, page["cursor"])["reset"] is False  # in the new epoch now
