"""``GET /labels``: printable sheets of bin, item and lot labels (supervisors, admins).

Without ``kind`` the page is a form; with it, the sheet itself:
``/labels?kind=bin&zone=A&size=a4-3x8``, ``/labels?kind=item&sku=SKU-1&size=2x1``,
``/labels?kind=lot&size=4x6``.  ``limit`` caps the number of labels (default
240).  The page prints as it is (``@media print`` hides everything else).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.auth import allow
from server.label_render import DEFAULT_LAYOUT, LAYOUTS, barcode_svg, layout_named
from server.pages import render_page as render
from sync.errors import InvalidRequest
from sync.ids import parse_number
from sync.labels import LABEL_KINDS, label_sheet

__all__ = ["routes"]


def _limit(raw: str | None) -> int:
    if not raw:
        return 240
    limit = parse_number(raw)
    if limit is None:
        raise InvalidRequest(f"limit: expected a whole number, not {raw!r}")
    return limit


@allow("supervisor", "admin")
async def labels_view(request: Request) -> Response:
    query = request.query_params
    layout = layout_named(query.get("size"))
    kind = query.get("kind") or ""
    context = {
        "kinds": LABEL_KINDS,
        "layouts": LAYOUTS.values(),
        "layout": layout,
        "query": {"kind": kind, "zone": query.get("zone") or "", "sku": query.get("sku") or "",
                  "size": query.get("size") or DEFAULT_LAYOUT},
        "sheet": None,
    }  # fmt: skip
    if kind:
        sheet = await request.app.state.store.aread(
            label_sheet,
            kind,
            zone=query.get("zone") or None,
            sku=query.get("sku") or None,
            limit=_limit(query.get("limit")),
        )
        context["sheet"] = sheet
        context["svgs"] = [barcode_svg(label) for label in sheet.labels]
    return render(request, "labels.html", context)


routes = [Route("/labels", labels_view, methods=["GET"], name="labels")]
