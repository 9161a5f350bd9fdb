"""The device fleet over JSON, and revoking a device (supervisors and admins)."""

from __future__ import annotations

import sqlite3

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.api_common import json_response, read_json
from server.auth import allow
from sync.audit import record
from sync.devices import revoke_device
from sync.errors import InvalidRequest
from sync.fleet import list_devices
from sync.kinds import MANAGER_ROLES

__all__ = ["routes", "revoke_and_record"]

MANAGERS = MANAGER_ROLES


def revoke_and_record(
    conn: sqlite3.Connection, device_id: str, *, by_user: str, reason: object
) -> bool:
    """Revoke a device and say who did it and why (one write transaction).

    False when it was revoked already (by another supervisor, from an older
    page): the audit trail keeps the one revocation that happened.
    """
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidRequest("reason: say why the device is revoked (lost, stolen, retired…)")
    if not revoke_device(conn, device_id):
        return False
    record(
        conn,
        "device_revoked",
        actor=by_user,
        device_id=device_id,
        detail={"reason": reason.strip()[:500]},
    )
    return True


@allow(*MANAGERS)
async def fleet_view(request: Request) -> Response:
    hours = request.app.state.settings.silent_device_hours
    devices = await request.app.state.store.aread(list_devices, silent_hours=hours)
    return json_response({"silent_hours": hours, "devices": devices})


@allow(*MANAGERS)
async def revoke_view(request: Request) -> Response:
    body = await read_json(request)
    device_id = request.path_params["device_id"]
    now = await request.app.state.store.atransact(
        revoke_and_record,
        device_id,
        by_user=request.state.user.username,
        reason=body.get("reason"),
    )
    return json_response({"device_id": device_id, "revoked": True, "already_revoked": not now})


routes = [
    Route("/api/fleet", fleet_view, methods=["GET"], name="fleet"),
    Route("/api/devices/{device_id}/revoke", revoke_view, methods=["POST"], name="revoke_device"),
]
