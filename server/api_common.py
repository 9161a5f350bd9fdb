"""What every JSON view needs: a size-capped body, JSON in, JSON out."""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from sync.errors import TOO_DEEP, InvalidRequest, TooLarge

__all__ = ["MAX_PUSH_BYTES", "MAX_SMALL_BODY", "read_body", "read_json", "json_response"]

MAX_PUSH_BYTES = 1024 * 1024  # protocol: a push is at most 1 MiB
MAX_SMALL_BODY = 64 * 1024  # any other JSON body


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it is known to exceed ``limit``.

    ``Content-Length`` is checked before anything is read; the stream is
    counted as it arrives too, for chunked bodies and lying headers.
    """
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise InvalidRequest("Content-Length is not a number") from None
        if size > limit:
            raise TooLarge(f"the body is {size} bytes; at most {limit} are accepted")
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise TooLarge(f"the body is over {limit} bytes; at most {limit} are accepted")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request, limit: int = MAX_SMALL_BODY) -> dict[str, Any]:
    """A JSON object body; 400 for anything else (an empty body is ``{}``)."""
    body = await read_body(request, limit)
    if not body.strip():
        return {}
    try:
        data = msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise InvalidRequest(f"the body is not valid JSON: {exc}") from None
    except RecursionError:  # msgspec's guard against a deep nest of arrays or objects
        raise InvalidRequest(TOO_DEEP) from None
    if not isinstance(data, dict):
        raise InvalidRequest("the body must be a JSON object")
    if b"\\u0000" in body:  # a NUL arrives only as that escape: else none to look for
        try:
            where = _nul_at(data, "")
        except RecursionError:  # nested nearly as deep as msgspec decodes
            raise InvalidRequest(TOO_DEEP) from None
        if where is not None:
            raise InvalidRequest(f"{where} must not contain NUL characters")
    return data


def _nul_at(value: Any, path: str) -> str | None:
    """Where the first NUL in decoded JSON is ("lines[0].item:", "a key"), or None.

    No person or scanner types one, and SQLite's own text functions stop at it."""
    if isinstance(value, str):
        return f"{path or 'body'}:" if "\x00" in value else None
    if isinstance(value, dict):
        for key, inner in value.items():
            if "\x00" in key:
                return "a key"
            found = _nul_at(inner, f"{path}.{key}" if path else key)
            if found is not None:
                return found
    if isinstance(value, list):
        for n, inner in enumerate(value):
            found = _nul_at(inner, f"{path}[{n}]")
            if found is not None:
                return found
    return None


def json_response(data: Any, status_code: int = 200) -> Response:
    """Encode with msgspec (fast, and it knows dataclasses and structs)."""
    return Response(
        content=msgspec.json.encode(data), status_code=status_code, media_type="application/json"
    )
