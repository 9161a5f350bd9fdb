"""A batch of orders in one request (``POST /api/orders/batch``): its input.

The batch is ``{"orders": [order, ...]}`` with 1 to ``MAX_BATCH_ORDERS``
orders, each exactly what ``POST /api/orders`` takes.  A batch that is not
of that shape is refused whole (nothing is made); inside a good batch each
order is checked on its own, so a bad order is refused with its reasons and
the others are made — all-or-nothing per order, never per batch.
"""

from __future__ import annotations

import msgspec

from .errors import InvalidRequest, TooLarge
from .orders import OrderIn, decode_order

__all__ = ["MAX_BATCH_ORDERS", "decode_batch"]

MAX_BATCH_ORDERS = 1000


class _BatchIn(msgspec.Struct, forbid_unknown_fields=True):
    orders: list[msgspec.Raw]


_decoder = msgspec.json.Decoder(_BatchIn)


def decode_batch(body: bytes) -> list[OrderIn | InvalidRequest]:
    """Each order of the batch decoded and checked, or the reason it is refused.

    Raises InvalidRequest for a body that is not ``{"orders": [...]}`` with at
    least one order, TooLarge for more than ``MAX_BATCH_ORDERS``.
    """
    try:
        batch = _decoder.decode(body)
    except msgspec.ValidationError as exc:
        text = str(exc).replace("`", "")
        hint = 'send {"orders": [order, ...]}'
        raise InvalidRequest(f"malformed batch: {text} ({hint})", [text]) from None
    except msgspec.DecodeError:
        raise InvalidRequest("the body is not valid JSON") from None
    if not batch.orders:
        raise InvalidRequest("orders: send 1 or more orders")
    if len(batch.orders) > MAX_BATCH_ORDERS:
        raise TooLarge(
            f"{len(batch.orders)} orders in one batch; at most {MAX_BATCH_ORDERS} are accepted"
        )
    entries: list[OrderIn | InvalidRequest] = []
    for raw in batch.orders:
        try:
            entries.append(decode_order(bytes(raw)))
        except InvalidRequest as exc:
            entries.append(exc)
    return entries
