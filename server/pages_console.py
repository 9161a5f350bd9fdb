"""The supervisor console, server-rendered for a tablet: dashboard, conflict
inbox and detail (with the resolution forms), device fleet with revoke and
enrolment QR codes, audit search.

Supervisors and admins only.  Forms carry the session's CSRF token; each
resolution form also carries a fresh resolution id, so a double tap or a
resubmitted form resolves once.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.api_fleet import revoke_and_record
from server.auth import allow, check_csrf
from server.enrol_qr import enrolment_url, qr_svg
from server.errors import status_of
from server.pages import posted_form, posted_text, render_page
from sync.audit import EVENTS, AuditFilter, record, search
from sync.bulk_accept import bulk_accept
from sync.conflicts import ConflictFilter, conflict_detail, list_conflicts, parse_conflict_id
from sync.dashboard import dashboard
from sync.devices import create_enrolment_code
from sync.errors import InvalidRequest, ShelfsyncError
from sync.fleet import list_devices
from sync.ids import parse_number
from sync.kinds import CONFLICT_CODES, HOLD_CODES, MANAGER_ROLES
from sync.resolution_fields import FIELDS, NOTES, offered, target_of, unused_fields
from sync.resolutions import ACTIONS, ResolutionRequest, resolve

__all__ = ["routes"]

MANAGERS = MANAGER_ROLES
CODES = tuple(dict.fromkeys((*HOLD_CODES, *CONFLICT_CODES)))


@allow(*MANAGERS)
async def dashboard_page(request: Request) -> Response:
    figures = await request.app.state.store.aread(dashboard)
    return render_page(request, "console.html", {"d": figures})


async def _inbox(
    request: Request,
    *,
    done: dict[str, Any] | None = None,
    sent: FormData | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    """The inbox as the query string filters it (the bulk form posts with the same
    query): with a bulk accept's outcome, or its refusal and the form as sent."""
    query = dict(request.query_params)
    context: dict[str, Any] = {
        "query": query,
        "query_string": urlencode(query),
        "codes": CODES,
        "rows": [],
        "error": error,
        "done": done,
        "ticked": [v for v in sent.getlist("ids") if isinstance(v, str)] if sent else [],
        "reason": str(sent.get("reason") or "") if sent else "",
        "batch_id": str(uuid.uuid4()),
    }
    try:
        where = ConflictFilter.from_query(query)
        context["rows"] = await request.app.state.store.aread(list_conflicts, where)
    except ShelfsyncError as exc:
        context["error"], status = exc.message, status_of(exc)
    return render_page(request, "console_conflicts.html", context, status_code=status)


@allow(*MANAGERS)
async def conflicts_page(request: Request) -> Response:
    return await _inbox(request)


async def _detail(
    request: Request,
    number: int,
    *,
    sent: dict[str, str] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    """The conflict and its resolution form: blank, or after a refusal with every
    field as sent, so that what the form shows is what the next Resolve posts."""
    detail = await request.app.state.store.aread(conflict_detail, number)
    target = target_of(detail["movement_state"], detail["code"])
    context = {
        "c": detail,
        "actions": ACTIONS,
        # the fields a resolution of this conflict can use (a refused form also
        # shows any other it was sent with, so that it can be emptied)
        "fields": offered(target),
        "fields_note": NOTES.get(target or ""),
        "form": sent or {},
        "error": error,
        "resolution_id": str(uuid.uuid4()),
        "done": request.query_params.get("done"),
    }
    return render_page(request, "console_conflict.html", context, status_code=status)


@allow(*MANAGERS)
async def conflict_page(request: Request) -> Response:
    return await _detail(request, parse_conflict_id(request.path_params["conflict_id"]))


# The form's field for each resolution field (the rest are named alike).
_FORM_NAMES = {"blind": "show_book"}


def _form_resolution(number: int, form: dict[str, str], username: str) -> ResolutionRequest:
    """The request the form asks for.  A field filled in that the action does not
    use is refused, not dropped (``sync.resolution_fields``), by the form's name
    for it; one the action uses, but not for this conflict, by ``resolve``."""
    action = form.get("action", "")
    filled = [f for f in FIELDS if form.get(_FORM_NAMES.get(f, f), "").strip()]
    unused = unused_fields(action, filled, names=_FORM_NAMES)
    if unused:
        raise InvalidRequest("; ".join(unused.values()), list(unused.values()))
    body: dict[str, Any] = {k: form[k] for k in ("action", "reason", "id") if form.get(k)}
    for name in ("counted", "qty", "pack_qty"):
        text = form.get(name, "").strip()
        if text:
            whole = parse_number(text)  # else the text, which from_json names as wrong
            body[name] = text if whole is None else whole
    for name in ("item", "location", "assign_to"):
        if form.get(name, "").strip():
            body[name] = form[name].strip()
    if form.get("show_book"):
        body["blind"] = False
    body.setdefault("reason", "")
    return ResolutionRequest.from_json(number, body, username)


@allow(*MANAGERS)
async def resolve_form(request: Request) -> Response:
    number = parse_conflict_id(request.path_params["conflict_id"])
    form = await posted_text(request)
    check_csrf(request, form.get("csrf"))
    try:
        resolution = _form_resolution(number, form, request.state.user.username)
        await request.app.state.store.awrite(resolve, resolution, request.app.state.rules)
    except ShelfsyncError as exc:
        return await _detail(request, number, sent=form, error=exc.message, status=status_of(exc))
    return RedirectResponse(
        f"/console/conflicts/c-{number}?done={resolution.action}", status_code=303
    )


@allow(*MANAGERS)
async def bulk_accept_form(request: Request) -> Response:
    """Accept the ticked conflicts; the inbox then lists each one skipped and why.

    The outcome is rendered, not redirected to: a few hundred skip reasons fit
    neither a URL nor the session cookie.  A resent form (a reload) carries the
    same batch id, so it replays the same outcome and posts nothing more.
    """
    form = await posted_form(request)
    check_csrf(request, form.get("csrf"))
    ids = [v for v in form.getlist("ids") if isinstance(v, str)]
    try:
        done = await request.app.state.store.awrite(
            bulk_accept,
            ids,
            reason=form.get("reason"),
            by_user=request.state.user.username,
            max_value=float(request.app.state.settings.bulk_accept_max_value),
            batch_id=str(form.get("batch_id") or uuid.uuid4()),
            rules=request.app.state.rules,
        )
    except ShelfsyncError as exc:
        return await _inbox(request, sent=form, error=exc.message, status=status_of(exc))
    return await _inbox(request, done=done)


@allow(*MANAGERS)
async def devices_page(request: Request) -> Response:
    hours = request.app.state.settings.silent_device_hours
    devices = await request.app.state.store.aread(list_devices, silent_hours=hours)
    return render_page(
        request,
        "console_devices.html",
        {
            "devices": devices,
            "silent_hours": hours,
            "error": None,
            "done": request.query_params.get("done"),
        },
    )


@allow(*MANAGERS)
async def revoke_form(request: Request) -> Response:
    form = await posted_text(request)
    check_csrf(request, form.get("csrf"))
    device_id = request.path_params["device_id"]
    await request.app.state.store.atransact(
        revoke_and_record,
        device_id,
        by_user=request.state.user.username,
        reason=form.get("reason") or "revoked from the console",
    )
    return RedirectResponse("/console/devices?done=revoked", status_code=303)


@allow(*MANAGERS)
async def enrol_form(request: Request) -> Response:
    form = await posted_text(request)
    check_csrf(request, form.get("csrf"))
    minutes = request.app.state.settings.enrolment_minutes
    username = request.state.user.username

    def make(conn: Any) -> str:
        code = create_enrolment_code(conn, created_by=username, ttl_seconds=minutes * 60)
        record(conn, "device_enrolled", actor=username, detail={"step": "code shown"})
        return code

    code = await request.app.state.store.atransact(make)
    url = enrolment_url(str(request.base_url), code)
    return render_page(
        request,
        "console_enrol.html",
        {"code": code, "url": url, "svg": qr_svg(url), "minutes": minutes},
    )


@allow(*MANAGERS)
async def audit_page(request: Request) -> Response:
    query = dict(request.query_params)
    context: dict[str, Any] = {"query": query, "events": EVENTS, "rows": [], "error": None}
    status = 200
    try:
        where = AuditFilter.from_query(query, max_limit=5000)
        context["rows"] = await request.app.state.store.aread(search, where)
    except ShelfsyncError as exc:
        context["error"], status = exc.message, status_of(exc)
    context["csv_query"] = str(request.url.query)
    return render_page(request, "console_audit.html", context, status_code=status)


routes = [
    Route("/console", dashboard_page, methods=["GET"], name="console"),
    Route("/console/conflicts", conflicts_page, methods=["GET"], name="console_conflicts"),
    Route(
        "/console/conflicts/bulk-accept",
        bulk_accept_form,
        methods=["POST"],
        name="console_bulk_accept",
    ),
    Route(
        "/console/conflicts/{conflict_id}", conflict_page, methods=["GET"], name="console_conflict"
    ),
    Route(
        "/console/conflicts/{conflict_id}/resolve",
        resolve_form,
        methods=["POST"],
        name="console_resolve",
    ),
    Route("/console/devices", devices_page, methods=["GET"], name="console_devices"),
    Route(
        "/console/devices/{device_id}/revoke", revoke_form, methods=["POST"], name="console_revoke"
    ),
    Route("/console/enrol", enrol_form, methods=["POST"], name="console_enrol"),
    Route("/console/audit", audit_page, methods=["GET"], name="console_audit"),
]
