"""A response's head and body leave in one write to the connection (one_send.py), in order, and
nothing held is lost when the connection is closed. (Every test that starts `hoks-gateway
serve`, tests/cli and tests/conformance among them, talks to a server on this transport.)"""

from __future__ import annotations

import asyncio

from hoks_gateway.one_send import OneSendTransport


class Recorded(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_write_buffer_size(self) -> int:
        return 0


async def test_writes_of_one_iteration_are_sent_together() -> None:
    recorded = Recorded()
    transport = OneSendTransport(recorded, asyncio.get_running_loop())
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.write(b"body")
    assert recorded.writes == [] and transport.get_write_buffer_size() == 23
    await asyncio.sleep(0)
    assert recorded.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody"]
    transport.write(b"last")
    transport.close()
    assert recorded.writes[-1] == b"last" and recorded.closed
