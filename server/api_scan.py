"""``POST /api/scan``: the barcodes in a photo, each resolved against the catalog.

A device token or any logged-in person.  The photo comes as

- ``multipart/form-data`` with the file in the field ``photo`` (devices), or
- JSON ``{"photo": "<base64>"}`` — what a browser session sends, because the
  API refuses session writes that are not JSON (the CSRF rule in
  ``server.auth``).

``formats`` (query parameter, form field or JSON key) widens or narrows the
symbologies: ``warehouse`` (the default), ``all``, or names such as
``Aztec,PDF417``.  The answer is 200 also when nothing is found: ``codes`` is
then empty and ``message`` says so.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Message

from server.api_common import json_response, read_body, read_json
from server.auth import ANY_ROLE, allow
from server.errors import UnsupportedMediaType
from server.scan_decode import DecodeOptions, ImageTooLarge, InvalidImage, parse_formats, scan_photo
from sync.codes import resolve_reads
from sync.errors import InvalidRequest, TooLarge

__all__ = ["routes"]

_FORM_OVERHEAD = 64 * 1024  # multipart boundaries and the small fields


@allow(*ANY_ROLE, device=True)
async def scan_view(request: Request) -> Response:
    settings = request.app.state.settings
    photo, formats = await _read_photo(request, settings.scan_max_upload_mb * 1024 * 1024)
    options = DecodeOptions(
        formats=parse_formats(request.query_params.get("formats") or formats),
        max_pixels=settings.scan_max_megapixels * 1_000_000,
        budget_ms=settings.scan_budget_ms,
    )
    decoded = await scan_photo(photo, options)
    found = await request.app.state.store.aread(resolve_reads, decoded.reads)
    return json_response(
        {
            "ok": True,
            "count": len(found["codes"]),
            "message": found["message"],
            "codes": found["codes"],
            "image": {
                "type": decoded.image_type,
                "width": decoded.width,
                "height": decoded.height,
                "bytes": len(photo),
            },
            "passes": decoded.passes,
        }
    )


async def _read_photo(request: Request, limit: int) -> tuple[bytes, str | None]:
    """The photo's bytes and the ``formats`` it came with, from either body shape."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type == "multipart/form-data":
        return await _from_form(request, limit)
    if media_type == "application/json":
        return await _from_json(request, limit)
    raise UnsupportedMediaType(
        "send the photo as multipart/form-data in the field 'photo',"
        ' or as JSON {"photo": "<base64>"}'
    )


def _over(limit: int) -> ImageTooLarge:
    return ImageTooLarge(f"the photo is over {limit / (1024 * 1024):g} MiB; send a smaller one")


async def _from_form(request: Request, limit: int) -> tuple[bytes, str | None]:
    try:
        body = await read_body(request, limit + _FORM_OVERHEAD)
    except TooLarge:
        raise _over(limit) from None

    async def replay() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    form = await Request(request.scope, replay).form(max_files=1, max_fields=8)
    try:
        photo = form.get("photo")
        if not isinstance(photo, UploadFile):
            raise InvalidRequest("photo: required, as a file in the multipart field 'photo'")
        data = await photo.read()
        if len(data) > limit:
            raise _over(limit)
        formats = form.get("formats")
        return data, formats if isinstance(formats, str) else None
    finally:
        await form.close()


async def _from_json(request: Request, limit: int) -> tuple[bytes, str | None]:
    try:  # base64 makes 4 bytes of 3
        data: dict[str, Any] = await read_json(request, limit * 4 // 3 + _FORM_OVERHEAD)
    except TooLarge:
        raise _over(limit) from None
    photo = data.get("photo")
    if not isinstance(photo, str) or not photo:
        raise InvalidRequest('photo: required, as base64 text in {"photo": "…"}')
    try:
        raw = base64.b64decode(photo.partition("base64,")[2] or photo, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidImage("photo: not valid base64") from None
    if len(raw) > limit:
        raise _over(limit)
    formats = data.get("formats")
    if formats is not None and not isinstance(formats, str):
        raise InvalidRequest("formats: expected text such as 'warehouse' or 'EAN13,Code128'")
    return raw, formats


routes = [Route("/api/scan", scan_view, methods=["POST"], name="scan")]
