"""Request bodies read under a byte limit: refused once they pass it, never buffered whole.

A declared Content-Length over the limit is refused before a byte is read; a chunked (or lying)
upload is counted as it arrives and refused at the first message past the limit, so a 300 MB
upload costs the server one chunk of memory, not 300 MB.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import Message, Receive


def declared_over(headers: Headers, limit: int) -> bool:
    declared = headers.get("content-length", "")
    # isdigit alone takes "²", which int() refuses.
    return declared.isascii() and declared.isdigit() and int(declared) > limit


def limited(receive: Receive, limit: int, refuse: Callable[[], Exception]) -> Receive:
    """`receive`, raising refuse() as soon as the body read so far is larger than `limit`."""
    seen = 0

    async def limited_receive() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise refuse()
        return message

    return limited_receive


async def read_body(request: Request, limit: int, refuse: Callable[[], Exception]) -> bytes:
    """The whole body of a request that must be small, or refuse() raised."""
    if declared_over(request.headers, limit):
        raise refuse()
    return await Request(request.scope, limited(request.receive, limit, refuse)).body()
