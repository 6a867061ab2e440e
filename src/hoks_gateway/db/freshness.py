"""Read-your-writes over read replicas (docs/operations.md, "Read replicas").

A replica answers as of the WAL position it has replayed. When a write commits, the primary's WAL
insert position is taken (it lies past the commit record), and a replica serves the writer's
reads only once it has replayed that far; until then the primary does. The position is kept in
three places:

- in the request (`RequestReads`), for the reads that follow its own write (a mutation's answer);
- per principal in this process (`Written`), for the principal's next requests to this worker;
- with the client: the answer carries it in the `X-Hoks-Read-After` header, and a request that
  sends it back is read at least that fresh by any worker of any gateway.

Principals are kept by kind and id, in memory only; nothing of them is logged.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hoks_gateway.db.read_server import ReadServer

READ_AFTER = "X-Hoks-Read-After"
UNKNOWN_POSITION = 2**64 - 1
"""A committed write whose position could not be read: beyond any replica, so the primary serves."""

_LSN = re.compile(r"^([0-9A-F]{1,8})/([0-9A-F]{1,8})$", re.IGNORECASE)


def lsn_text(position: int) -> str:
    """A WAL position as PostgreSQL writes it (`16/B374D848`)."""
    return f"{position >> 32:X}/{position & 0xFFFFFFFF:X}"


def parse_lsn(text: str) -> int | None:
    found = _LSN.match(text.strip())
    if found is None:
        return None
    return int(found.group(1), 16) << 32 | int(found.group(2), 16)


@dataclass(slots=True)
class RequestReads:
    """What one request's reads need: the WAL position they must include, and the server they
    were pinned to by the first of them."""

    principal: str | None
    at_least: int
    written: int | None = None
    """The position of the request's last committed write (the answer's header)."""
    server: ReadServer | None = None
    """Every read of a request goes to one server (its loaders read a plan's record and content
    in different statements, and a replica further behind than the first would tear them). A
    write, or that server failing, moves the rest of the request on; the primary is never
    behind any replica, so reads never go back in time within a request."""

    def wrote(self, position: int) -> None:
        self.at_least = max(self.at_least, position)
        if position != UNKNOWN_POSITION:
            self.written = position
        self.server = None


current: ContextVar[RequestReads | None] = ContextVar("hoks_request_reads", default=None)


def principal_key(kind: str, id: str) -> str:
    return f"{kind}:{id}"


class Written:
    """Each principal's last commit position in this process, for `keep_s` after the write.

    Past `keep_s` (the replicas' maximum lag and a margin) every replica that may serve has
    replayed the write anyway. At most `most` principals are kept: one that has to be dropped
    before its time leaves its position as a floor that every principal's reads wait for until
    it would have expired, so a full map costs replica reads, never a stale read.
    """

    def __init__(self, keep_s: float, most: int = 100_000) -> None:
        self.keep_s = keep_s
        self.most = most
        self._positions: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._floor: tuple[int, float] = (0, 0.0)

    def note(self, principal: str, position: int) -> None:
        now = time.monotonic()
        self._positions.pop(principal, None)
        # Written in time order, so the oldest entries are always first.
        self._positions[principal] = (position, now + self.keep_s)
        while self._positions:
            oldest, until = next(iter(self._positions.values()))
            if until > now and len(self._positions) <= self.most:
                break
            self._positions.popitem(last=False)
            if until > now:
                floor, floor_until = self._floor if self._floor[1] > now else (0, 0.0)
                self._floor = (max(floor, oldest), max(floor_until, until))

    def position(self, principal: str | None) -> int:
        """The position `principal`'s reads must include (0: any replica that may serve)."""
        now = time.monotonic()
        own = self._positions.get(principal) if principal is not None else None
        floor, floor_until = self._floor
        return max(own[0] if own is not None and own[1] > now else 0, floor if floor_until > now else 0)

    def __len__(self) -> int:
        return len(self._positions)
