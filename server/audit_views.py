"""The audit trail over JSON and as CSV, and the dashboard's figures (JSON)."""

from __future__ import annotations

import csv
import io

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.api_common import json_response
from server.auth import allow
from server.csv_cells import spreadsheet_safe
from sync.audit import CSV_COLUMNS, AuditFilter, search
from sync.dashboard import dashboard
from sync.kinds import MANAGER_ROLES

__all__ = ["routes", "audit_csv"]

MANAGERS = MANAGER_ROLES


def audit_csv(rows: list[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\r\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({k: spreadsheet_safe(row.get(k)) for k in CSV_COLUMNS})
    return out.getvalue()


@allow(*MANAGERS)
async def audit_view(request: Request) -> Response:
    where = AuditFilter.from_query(dict(request.query_params), max_limit=5000)
    return json_response({"events": await request.app.state.store.aread(search, where)})


@allow(*MANAGERS)
async def audit_csv_view(request: Request) -> Response:
    query = {"limit": "100000", **dict(request.query_params)}
    where = AuditFilter.from_query(query)
    rows = await request.app.state.store.aread(search, where)
    return Response(
        "\ufeff" + audit_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="shelfsync-audit.csv"'},
    )


@allow(*MANAGERS)
async def dashboard_view(request: Request) -> Response:
    return json_response(await request.app.state.store.aread(dashboard))


routes = [
    Route("/api/audit", audit_view, methods=["GET"], name="audit"),
    Route("/api/audit.csv", audit_csv_view, methods=["GET"], name="audit_csv"),
    Route("/api/dashboard", dashboard_view, methods=["GET"], name="dashboard"),
]
