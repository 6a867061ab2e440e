"""One primary with two streaming replicas for the replica tests, migrated once; each test finds
every replica running, replaying and caught up (tests/replicas/cluster.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hoks_gateway.db.migrate import upgrade
from tests.replicas.cluster import Cluster, make_cluster, value


@pytest.fixture(scope="package")
def replica_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    cluster = make_cluster(tmp_path_factory.mktemp("replicas"), replicas=2)
    try:
        upgrade(cluster.primary_url)
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
async def cluster(replica_cluster: Cluster) -> Cluster:
    # Streaming needs it; the embedded server's default, asserted so that a change says so here.
    assert await value(replica_cluster.primary_url, "SHOW wal_level") in ("replica", "logical")
    for standby in replica_cluster.standbys:
        # A test that failed half-way may have left it stopped or paused.
        await standby.healthy()
    return replica_cluster
