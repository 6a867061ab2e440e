"""Bodies are read under their limit: an upload larger than it is refused while it arrives, after
at most one chunk past the limit, not after the whole of it has been buffered."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.auth.helpers import MovableClock, running, settings_for, write_key

CHUNK = 1024
TOKEN_LIMIT = 4096  # POST /auth/token takes form parameters only


class Upload:
    """A body streamed chunk by chunk (no Content-Length), counting what the server pulled."""

    def __init__(self, prefix: bytes, chunks: int) -> None:
        self.prefix, self.chunks, self.pulled = prefix, chunks, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self.pulled += len(self.prefix)
        yield self.prefix
        for _ in range(self.chunks):
            self.pulled += CHUNK
            yield b"a" * CHUNK


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def key_path(tmp_path: Path) -> Path:
    return write_key(tmp_path / "signing-key.pem")


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


async def test_a_token_request_is_refused_before_its_whole_body_is_read(
    database_url: str, key_path: Path, clock: MovableClock
) -> None:
    upload = Upload(b"grant_type=client_credentials&client_id=x&client_secret=", chunks=10_000)
    async with running(settings_for(database_url, key_path), clock) as client:
        response = await client.post("/auth/token", content=upload, headers=FORM)
    assert upload.pulled <= TOKEN_LIMIT + CHUNK, f"read {upload.pulled:,} bytes of a 10 MB upload"
    assert response.status_code == 413
    assert response.json() == {
        "error": "invalid_request",
        "error_description": f"The request body is larger than the limit of {TOKEN_LIMIT} bytes.",
    }
    assert response.headers["Cache-Control"] == "no-store"


async def test_a_declared_length_over_the_limit_is_refused_unread(
    database_url: str, key_path: Path, clock: MovableClock
) -> None:
    upload = Upload(b"", chunks=10)
    headers = FORM | {"Content-Length": str(TOKEN_LIMIT + 1)}
    async with running(settings_for(database_url, key_path), clock) as client:
        response = await client.post("/auth/token", content=upload, headers=headers)
    assert response.status_code == 413 and upload.pulled == 0


@pytest.mark.parametrize("size", [TOKEN_LIMIT - 200, TOKEN_LIMIT])
async def test_a_token_request_within_the_limit_is_read_whole(
    database_url: str, key_path: Path, clock: MovableClock, size: int
) -> None:
    # Padding after the credentials: the endpoint parses the whole form and refuses the unknown id.
    body = b"grant_type=client_credentials&client_id=nobody&client_secret=x&pad="
    body += b"p" * (size - len(body))
    async with running(settings_for(database_url, key_path), clock) as client:
        response = await client.post("/auth/token", content=body, headers=FORM)
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


async def test_a_graphql_upload_is_refused_while_it_arrives(
    database_url: str, key_path: Path, clock: MovableClock
) -> None:
    limit = 10_000
    upload = Upload(b'{"query": "{ __typename }", "pad": "', chunks=1000)
    settings = settings_for(database_url, key_path, max_body_bytes=limit)
    async with running(settings, clock) as client:
        response = await client.post("/graphql", content=upload, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_TOO_LARGE"
    assert upload.pulled <= limit + CHUNK
