"""A cap on the bytes of one GraphQL answer (HOKS_MAX_RESPONSE_BYTES).

The cost limit estimates an answer before it is made, a whole eHOKS document counting as its size
class (graphql/limits.py); but documents differ, and a page of large ones costs no more than a page
of small ones. An answer larger than the cap is replaced, whole, by an error that says so: never
a truncated body, which a client could take for the answer.
"""

from __future__ import annotations

import logging

from starlette.responses import Response

from hoks_gateway.errors import GatewayError
from hoks_gateway.graphql import http

log = logging.getLogger("hoks_gateway.graphql")


class ResponseTooLarge(GatewayError):
    code = "RESPONSE_TOO_LARGE"
    status = 400


def capped(response: Response, accept: str | None, limit: int) -> Response:
    """`response`, or the refusal of an answer larger than the request's limit."""
    size = len(response.body)
    if size <= limit:
        return response
    log.warning("an answer of %d bytes was refused (the limit is %d)", size, limit)
    refused = http.refusal(
        ResponseTooLarge(
            f"The answer is {size:,} bytes, more than the limit of {limit:,}: ask for fewer rows "
            "(`first`) or fewer fields. A mutation in the request was carried out all the same: "
            "read its outcome again.",
            bytes=size,
            limit=limit,
        )
    )
    refused.headers["content-type"] = http.media_type_for(accept)
    return refused
