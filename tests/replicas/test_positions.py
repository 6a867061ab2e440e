"""What the gateway remembers of principals' writes, and how it reads the settings and the header
that carry positions (db/freshness.py, settings.py)."""

from __future__ import annotations

import pytest

from hoks_gateway.db.freshness import Written, lsn_text, parse_lsn
from hoks_gateway.errors import ConfigurationError
from hoks_gateway.settings import load_settings
from tests.replicas.cluster import until


def test_positions_read_back_as_postgresql_writes_them() -> None:
    for position in (0, 0x16B3748, 0x1_0000_0000, 0xFFFFFFFF_FFFFFFFF):
        assert parse_lsn(lsn_text(position)) == position
    assert lsn_text(0x16_B374D848) == "16/B374D848"
    for wrong in ("", "16", "16/", "/1", "0x16/1", "16/B374D848/1", "123456789/0", "-1/0"):
        assert parse_lsn(wrong) is None, wrong


def test_a_principal_waits_for_its_own_write_only() -> None:
    written = Written(keep_s=60)
    written.note("STAFF:a", 100)
    written.note("STAFF:a", 150)
    assert written.position("STAFF:a") == 150
    assert written.position("STAFF:b") == 0
    assert written.position(None) == 0


def test_a_principal_dropped_for_room_leaves_its_position_for_everyone() -> None:
    written = Written(keep_s=60, most=2)
    written.note("STAFF:a", 100)
    written.note("STAFF:b", 200)
    written.note("STAFF:c", 300)
    assert len(written) == 2
    # "a" is no longer remembered by itself: nobody reads anything older than its write.
    assert written.position("STAFF:a") == 100
    assert written.position("LEARNER:x") == 100
    assert written.position("STAFF:c") == 300


async def test_positions_are_forgotten_once_every_fit_replica_has_them() -> None:
    written = Written(keep_s=0.2, most=1)
    written.note("STAFF:a", 100)
    written.note("STAFF:b", 200)

    async def forgotten() -> bool:
        return written.position("STAFF:a") == 0 and written.position("STAFF:b") == 0

    await until("positions past keep_s are forgotten", forgotten, deadline_s=10)


def test_replica_urls_are_checked_when_the_settings_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOKS_DATABASE_REPLICA_URLS", "postgresql://r1/hoks, postgresql://r2:5433/hoks")
    assert load_settings().database_replica_urls == ["postgresql://r1/hoks", "postgresql://r2:5433/hoks"]
    monkeypatch.setenv("HOKS_DATABASE_REPLICA_URLS", "postgresql://r1/hoks,mysql://hoks:secret@r2/hoks")
    with pytest.raises(ConfigurationError) as refused:
        load_settings()
    message = str(refused.value)
    assert "HOKS_DATABASE_REPLICA_URLS" in message and "r2/hoks" in message
    assert "secret" not in message
