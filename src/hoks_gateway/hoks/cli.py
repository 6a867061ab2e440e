"""`hoks-gateway import-ehoks`, `replace-ehoks`, `patch-ehoks` and `export-ehoks`: plans in the
eHOKS transfer format.

Import, replace (eHOKS's PUT) and patch (eHOKS's PATCH) go through the same write pipeline as the
GraphQL mutations (every rule, a revision and an audit event per plan, one transaction per file).
By default they are an OPH admin's manual entry (manuaalisyöttö: a missing yksilöivä tunniste is
filled in, as eHOKS's staff route does), so every document eHOKS's staff UI accepts can be
loaded; `--transfer CLIENT_ID` writes as that service account's transfer instead, with its
privileges and the stricter transfer rules. Export writes plans as eHOKS's GET returns them.
Nothing is printed from a document's content: violations name paths and rules.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select

from hoks_gateway.audit.events import Actor, AuditEvent, record
from hoks_gateway.auth.clock import system_clock
from hoks_gateway.auth.principal import Principal, PrincipalKind
from hoks_gateway.auth.service_accounts import ServiceAccounts
from hoks_gateway.authz.scope import Scope, resolve_scope
from hoks_gateway.cli_database import report_refusal, run_on_database
from hoks_gateway.db.sessions import Database
from hoks_gateway.db.tables import Hoks
from hoks_gateway.errors import GatewayError
from hoks_gateway.graphql.context import FINLAND
from hoks_gateway.hoks import repository
from hoks_gateway.hoks.content import ehoks_export
from hoks_gateway.hoks.service import HoksWrites
from hoks_gateway.settings import Settings

_EXPORT_BATCH = 200


async def _writer_scope(db: Database, args: argparse.Namespace) -> Scope:
    if args.transfer is None:
        return Scope(Principal(PrincipalKind.ADMIN, args.as_ or f"cli:{getpass.getuser()}"))
    accounts = {account.client_id: account for account in await ServiceAccounts(db, system_clock).list()}
    account = accounts.get(args.transfer)
    if account is None:
        raise GatewayError(f"no service account {args.transfer!r}: see `hoks-gateway service-account list`")
    return await resolve_scope(
        db, Principal(PrincipalKind.SERVICE, account.client_id, account.privileges), None
    )


async def _read_document(prefix: str, path: str) -> dict[str, Any] | None:
    """The JSON object in the file at `path`, or None once it has said on stderr why not."""
    try:
        text = await asyncio.to_thread(Path(path).read_text, encoding="utf-8")
        body: Any = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        print(f"{prefix}: unreadable: {error}", file=sys.stderr)
        return None
    if not isinstance(body, dict):
        print(f"{prefix}: not a JSON object: a file holds one HOKS in the eHOKS format", file=sys.stderr)
        return None
    return body


async def writes_for(db: Database, args: argparse.Namespace) -> HoksWrites | None:
    """The writes of the author `args` name, or None once it has said on stderr why not."""
    try:
        scope = await _writer_scope(db, args)
    except GatewayError as error:
        print(f"hoks-gateway: error: {error.message}", file=sys.stderr)
        return None
    today = system_clock().astimezone(FINLAND).date()
    return HoksWrites(db, scope, system_clock, today, operation_id=f"cli:{args.command}")


def _import(args: argparse.Namespace, settings: Settings) -> int:
    async def run(db: Database) -> int:
        writes = await writes_for(db, args)
        if writes is None:
            return 2
        failed = 0
        total = len(args.files)
        for number, path in enumerate(args.files, start=1):
            prefix = f"[{number}/{total}] {path}"
            body = await _read_document(prefix, path)
            if body is None:
                failed += 1
                continue
            try:
                written = await writes.create(body, operation="import-ehoks")
            except GatewayError as error:
                report_refusal(prefix, error)
                failed += 1
                continue
            print(f"{prefix}: stored as HOKS {written.record.id} ({written.record.source})", flush=True)
        print(f"imported {total - failed} of {total} files", file=sys.stderr)
        return 1 if failed else 0

    return run_on_database(settings, run)


_REWRITES = {"replace-ehoks": "replaced", "patch-ehoks": "patched"}


def _rewrite(args: argparse.Namespace, settings: Settings) -> int:
    """replace-ehoks and patch-ehoks: one plan, one file, eHOKS's PUT or PATCH."""

    async def run(db: Database) -> int:
        writes = await writes_for(db, args)
        if writes is None:
            return 2
        body = await _read_document(args.file, args.file)
        if body is None:
            return 1
        write = writes.replace if args.command == "replace-ehoks" else writes.update
        try:
            written = await write(
                args.id, body, expected_revision=args.expected_revision, operation=args.command
            )
        except GatewayError as error:
            report_refusal(args.file, error)
            return 1
        plan = written.record
        print(f"{args.file}: HOKS {plan.id} {_REWRITES[args.command]}, now at revision {plan.revision}")
        return 0

    return run_on_database(settings, run)


async def _plan_ids(db: Database, args: argparse.Namespace) -> list[int]:
    if not args.all:
        return list(dict.fromkeys(args.id))
    async with db.read() as session:
        rows = await session.execute(select(Hoks.id).where(Hoks.deleted_at.is_(None)).order_by(Hoks.id))
        return list(rows.scalars())


def _export(args: argparse.Namespace, settings: Settings) -> int:
    out: Path | None = args.out
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)

    async def run(db: Database) -> int:
        scope = Scope(Principal(PrincipalKind.ADMIN, args.as_ or f"cli:{getpass.getuser()}"))
        ids = await _plan_ids(db, args)
        missing: list[int] = []
        for start in range(0, len(ids), _EXPORT_BATCH):
            batch = ids[start : start + _EXPORT_BATCH]
            records = await repository.by_id(db.reads, batch, scope)
            at = [(plan.id, plan.revision) for plan in records.values()]
            documents = await repository.documents_at(db.reads, at, scope)
            for plan_id in batch:
                if plan_id not in records:
                    missing.append(plan_id)
                    continue
                plan = records[plan_id]
                exported = ehoks_export(plan, documents[(plan.id, plan.revision)], scope)
                if out is None:
                    print(json.dumps(exported, ensure_ascii=False))
                else:
                    (out / f"hoks-{plan_id}.json").write_text(
                        json.dumps(exported, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
                    )
            async with db.write() as session:
                await record(
                    session,
                    Actor(scope, operation_id="cli:export-ehoks"),
                    [
                        AuditEvent(
                            "export-ehoks",
                            target_learner_oid=r.learner_oid,
                            target_hoks_id=r.id,
                            organisation_oid=r.organisation_oid,
                        )
                        for r in records.values()
                    ],
                )
        for plan_id in missing:
            print(f"no HOKS with id {plan_id} (or it is deleted)", file=sys.stderr)
        written = len(ids) - len(missing)
        where = f" to {out}" if out is not None else ""
        print(f"exported {written} plan{'' if written == 1 else 's'}{where}", file=sys.stderr)
        return 1 if missing else 0

    return run_on_database(settings, run)


def author_arguments(parser: argparse.ArgumentParser, verb: str) -> None:
    """--transfer and --as: who writes (`writes_for` reads them)."""
    parser.add_argument(
        "--transfer",
        metavar="CLIENT_ID",
        help=f"{verb} as this service account's transfer (its privileges, transfer rules, source TRANSFER)",
    )
    parser.add_argument("--as", dest="as_", metavar="OID", help="admin OID recorded as the author")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    importer = commands.add_parser(
        "import-ehoks",
        help="store HOKS documents in the eHOKS transfer format",
        description="Validate and store each FILE (one HOKS in the eHOKS JSON format) as a new plan. "
        "By default as an OPH admin's manual entry: a missing yksilöivä tunniste is filled in. The "
        "study rights must be registered first (`hoks-gateway import-study-rights`). A refused file "
        "is reported with every violation and nothing of it is stored; the exit status is then 1.",
    )
    importer.add_argument("files", nargs="+", metavar="FILE", help="eHOKS JSON documents")
    author_arguments(importer, "import")
    importer.set_defaults(handler=_import)

    replacer = commands.add_parser(
        "replace-ehoks",
        help="replace a plan with a document in the eHOKS format (eHOKS's PUT)",
        description="Replace plan ID with the HOKS in FILE (eHOKS JSON), under eHOKS's PUT rules: "
        "every part is replaced (parts left out are removed; all get new module-ids); left-out "
        "optional top-level fields are cleared, except puhelinnumero and tuva-opiskeluoikeus-oid, "
        "which are kept; ensikertainen-hyvaksyminen and osaamisen-hankkimisen-tarve are required; "
        "the OIDs cannot change. An `export-ehoks` file can be sent back once its eid, "
        "manuaalisyotto and module-ids are left out (eHOKS's PUT refuses them); its id may stay. "
        "A refused file is reported with every violation, nothing is changed, and the exit status "
        "is 1.",
    )
    patcher = commands.add_parser(
        "patch-ehoks",
        help="change a plan's top-level fields with a document in the eHOKS format (eHOKS's PATCH)",
        description="Change the top-level fields of plan ID that FILE (eHOKS JSON) holds, under "
        "eHOKS's PATCH rules: the keys sent change, the rest stays; parts, eid, manuaalisyotto and "
        "nulls are refused (a field cannot be cleared by PATCH); the OIDs cannot change. A refused "
        "file is reported with every violation, nothing is changed, and the exit status is 1.",
    )
    for rewriter in (replacer, patcher):
        rewriter.add_argument("id", type=int, metavar="ID", help="the plan's id (as export-ehoks shows)")
        rewriter.add_argument("file", metavar="FILE", help="one HOKS document in eHOKS JSON")
        rewriter.add_argument(
            "--expected-revision",
            type=int,
            metavar="N",
            help="refuse (REVISION_CONFLICT) unless the plan is still at revision N",
        )
        author_arguments(rewriter, "write")
        rewriter.set_defaults(handler=_rewrite)

    exporter = commands.add_parser(
        "export-ehoks",
        help="write plans in the eHOKS transfer format",
        description="Write plans as eHOKS's GET returns them (as Hoks.ehoksDocument: id, eid, "
        "manuaalisyotto, module-ids, every list present): one file per plan under --out, or one "
        "JSON document per line on standard output.",
    )
    which = exporter.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--id", type=int, action="append", default=[], metavar="N", help="plan id (repeatable)"
    )
    which.add_argument("--all", action="store_true", help="every plan that is not deleted")
    exporter.add_argument("--out", type=Path, metavar="DIR", help="directory for hoks-<id>.json files")
    exporter.add_argument("--as", dest="as_", metavar="OID", help="admin OID recorded in the audit trail")
    exporter.set_defaults(handler=_export)
