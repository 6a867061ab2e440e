from __future__ import annotations

from pathlib import Path

import pytest

from tests.auth.helpers import MovableClock, write_key


@pytest.fixture(scope="session")
def key_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_key(tmp_path_factory.mktemp("keys") / "signing-key.pem")


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()
