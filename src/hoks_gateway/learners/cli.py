"""`hoks-gateway import-study-rights`: the registry sync from a file."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

from hoks_gateway.audit.events import Actor
from hoks_gateway.auth.principal import Principal, PrincipalKind
from hoks_gateway.authz.scope import Scope
from hoks_gateway.cli_database import report_refusal, run_on_database
from hoks_gateway.db.sessions import Database
from hoks_gateway.errors import GatewayError
from hoks_gateway.learners.registry import parse_entries, upsert_study_rights
from hoks_gateway.settings import Settings


def _import(args: argparse.Namespace, settings: Settings) -> int:
    try:
        raw = json.loads(Path(args.file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        print(f"hoks-gateway: error: cannot read {args.file}: {error}", file=sys.stderr)
        return 2

    async def run(db: Database) -> int:
        principal = Principal(PrincipalKind.ADMIN, args.as_ or f"cli:{getpass.getuser()}")
        try:
            actor = Actor(Scope(principal), operation_id="cli:import-study-rights")
            result = await upsert_study_rights(db, actor, parse_entries(raw), operation="import-study-rights")
        except GatewayError as error:
            report_refusal(args.file, error)
            return 1
        print(f"registered {len(result.oids)} study rights ({result.created} new, {result.updated} updated)")
        return 0

    return run_on_database(settings, run)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    importer = commands.add_parser(
        "import-study-rights",
        help="register study rights and their learners from a JSON file",
        description="FILE is a JSON list of study rights in the StudyRightInput shape (camelCase: oid, "
        "learner {oid, firstNames, surname, callingName}, oppilaitosOid, koulutustoimijaOid, kind (every "
        "Koski type by its StudyRightKind name: VOCATIONAL, TUVA, GENERAL_UPPER_SECONDARY, ...), status, "
        "startedOn, endedOn (the actual end), plannedEndOn (the estimated end, which work periods must not "
        "pass), telma (a TELMA suoritus: no osa-aikaisuustieto needed), ...). Existing ones are updated. "
        "The organisations must be registered. All or nothing: a refused file is reported with every "
        "violation and exits 1.",
    )
    importer.add_argument("file", metavar="FILE")
    importer.add_argument("--as", dest="as_", metavar="OID", help="admin OID recorded in the audit trail")
    importer.set_defaults(handler=_import)
