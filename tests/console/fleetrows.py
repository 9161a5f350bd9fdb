"""Fleet test helpers: write a device row by hand, read it back from the API and the page."""

from __future__ import annotations

import re
from typing import Any

from starlette.testclient import TestClient

from server.database import Store


def store_device(store: Store, device_id: str, **columns: Any) -> None:
    """Write columns of a device row directly, as an old row or a hand edit would hold them."""
    sets = ", ".join(f"{name} = ?" for name in columns)
    store.write(
        lambda c: c.execute(
            f"UPDATE devices SET {sets} WHERE id = ?", (*columns.values(), device_id)
        )
    )


def listed(client: TestClient, device_id: str) -> dict[str, Any]:
    """The device's row in GET /api/fleet."""
    res = client.get("/api/fleet")
    assert res.status_code == 200, res.text
    [row] = [d for d in res.json()["devices"] if d["id"] == device_id]
    return dict(row)


def page_row(client: TestClient, name: str) -> str:
    """The device's table row on /console/devices."""
    page = client.get("/console/devices")
    assert page.status_code == 200, page.text
    found = re.search(rf"<tr[^>]*>\s*<td>{name}.*?</tr>", page.text, re.S)
    assert found is not None
    return found.group(0)
