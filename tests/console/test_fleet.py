"""The device fleet, revoking a device, and enrolling one from a QR code."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import zxingcpp
from devicesim import SimDevice, iso, utcnow
from starlette.testclient import TestClient

from server.database import Store
from server.enrol_qr import qr_svg
from server.users import User


def _push_with_outbox(sim: SimDevice, pending: int, oldest: str | None) -> None:
    sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1")
    body = {
        **sim.envelope(sim.outbox),
        "app_version": "1.4.2",
        "pending": pending,
        "oldest_pending_at": oldest,
    }
    res = sim.http.post("/api/sync/push", json=body, headers=sim.headers)
    assert res.status_code == 200, res.text
    sim.outbox.clear()


def test_the_fleet_shows_each_device_and_silent_ones_with_work_stand_out(
    client: TestClient, make_sim: Callable[..., SimDevice], supervisor: User, store: Store
) -> None:
    quiet, busy = make_sim("quiet-07", "picker"), make_sim("busy-02", "picker")
    three_hours_ago = iso(utcnow() - timedelta(hours=3))
    _push_with_outbox(quiet, 12, three_hours_ago)
    _push_with_outbox(busy, 0, None)
    # the quiet one last pushed five hours ago, and still has 12 waiting
    five_hours_ago = iso(utcnow() - timedelta(hours=5))
    store.write(
        lambda c: c.execute(
            "UPDATE devices SET last_push_at = ? WHERE id = ?", (five_hours_ago, quiet.device_id)
        )
    )
    res = client.get("/api/fleet")
    assert res.status_code == 200
    devices = res.json()["devices"]
    first = devices[0]
    assert (first["name"], first["stands_out"], first["pending"]) == ("quiet-07", True, 12)
    assert first["user"] == quiet.user and first["app_version"] == "1.4.2"
    assert 3 * 3600 - 60 <= first["oldest_pending_age_seconds"] <= 3 * 3600 + 60
    assert first["silent_seconds"] >= 5 * 3600 - 60
    assert first["clock_offset_ms"] is not None and first["epoch_current"] is True
    other = next(d for d in devices if d["name"] == "busy-02")
    assert other["stands_out"] is False and other["last_pull_at"] is not None
    page = client.get("/console/devices")
    assert page.status_code == 200
    assert re.search(r'class="stands-out[^"]*">\s*<td>quiet-07', page.text)
    # times read to the minute, as on the other pages, not as stored
    assert other["last_pull_at"][:16].replace("T", " ") in page.text
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", page.text)


def test_revoke_a_device_then_it_gets_403(
    client: TestClient, sim: SimDevice, supervisor: User
) -> None:
    refused = client.post(f"/api/devices/{sim.device_id}/revoke", json={})
    assert refused.status_code == 400 and "reason" in refused.json()["message"]
    done = client.post(f"/api/devices/{sim.device_id}/revoke", json={"reason": "lost on dock 2"})
    assert done.status_code == 200
    sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1")
    assert sim.push_raw(sim.outbox).status_code == 403
    pulled = client.post(
        "/api/sync/pull",
        headers=sim.headers,
        json={"protocol": 1, "device_id": sim.device_id, "cursor": None},
    )
    assert pulled.status_code == 403
    assert (
        client.get("/api/stock", params={"item": "SKU-1", "location": "A-01"}).json()["stock"][0][
            "on_hand"
        ]
        == 100
    )
    [event] = client.get("/api/audit", params={"event": "device_revoked"}).json()["events"]
    assert event["user"] == supervisor.username and "lost on dock 2" in event["detail"]
    # revoked again from an older page: nothing more happened, and the trail says so
    again = client.post(f"/api/devices/{sim.device_id}/revoke", json={"reason": "stolen"})
    assert again.status_code == 200 and again.json()["already_revoked"] is True
    assert done.json()["already_revoked"] is False
    [only] = client.get("/api/audit", params={"event": "device_revoked"}).json()["events"]
    assert "lost on dock 2" in only["detail"]


def test_pickers_and_counters_cannot_revoke(
    client: TestClient,
    sim: SimDevice,
    make_user: Callable[..., User],
    login: Callable[..., None],
) -> None:
    for role in ("picker", "counter"):
        client.cookies.clear()
        login(make_user(role).username)
        res = client.post(f"/api/devices/{sim.device_id}/revoke", json={"reason": "me"})
        assert res.status_code == 403
    sim.pull_all()  # still works


def test_enrol_a_device_from_the_qr_code_the_console_shows(
    client: TestClient, supervisor: User, warehouse: Store
) -> None:
    page = client.get("/console/devices")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    shown = client.post("/console/enrol", data={"csrf": csrf.group(1)})
    assert shown.status_code == 200
    url = re.search(r"<p class=\"sub\">(http[^<]+\?enrol=[^<]+)</p>", shown.text)
    assert url is not None
    content = url.group(1)
    # the page shows exactly zxing-cpp's QR code of that URL ...
    svg = qr_svg(content)
    assert svg in shown.text
    # ... which a scanner decodes back to the URL
    image = zxingcpp.create_barcode(content, zxingcpp.BarcodeFormat.QRCode).to_image(scale=4)
    [found] = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert found.text == content
    code = content.split("?enrol=", 1)[1]
    client.cookies.clear()
    joined = client.post("/api/devices", json={"name": "handheld-9", "enrolment_code": code})
    assert joined.status_code == 200, joined.text
    again = client.post("/api/devices", json={"name": "handheld-10", "enrolment_code": code})
    assert again.status_code == 401  # one use
