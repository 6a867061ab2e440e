"""`hoks-gateway documents add|list|remove`: the trusted documents the frontends send by hash."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from hoks_gateway.auth.clock import system_clock
from hoks_gateway.cli_database import run_reporting_errors
from hoks_gateway.errors import ConfigurationError, GatewayError
from hoks_gateway.graphql.schema import schema
from hoks_gateway.graphql.trusted_documents import (
    TrustedDocuments,
    documents_from_graphql,
    documents_from_manifest,
)
from hoks_gateway.settings import Settings


def _with_documents(settings: Settings, action: Callable[[TrustedDocuments], Awaitable[None]]) -> int:
    return run_reporting_errors(settings, lambda db: action(TrustedDocuments(db, system_clock)))


def _read(paths: list[Path]) -> dict[str, str]:
    documents: dict[str, str] = {}
    for path in paths:
        try:
            source = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(f"cannot read {path} ({exc.strerror})") from exc
        parse = documents_from_manifest if path.suffix == ".json" else documents_from_graphql
        try:
            documents |= parse(source, schema._schema)
        except GatewayError as exc:
            raise ConfigurationError(f"{path}: {exc.message}") from None
    return documents


def _add(args: argparse.Namespace, settings: Settings) -> int:
    documents = _read(args.files)

    async def add(store: TrustedDocuments) -> None:
        for registered in await store.add(documents):
            print(f"sha256:{registered.sha256}\t{registered.operation_name or '-'}")
        if args.manifest is not None:
            manifest = {f"sha256:{sha256}": text for sha256, text in documents.items()}
            args.manifest.write_text(
                json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            print(f"wrote {args.manifest}: send each text's key as documentId", file=sys.stderr)

    return _with_documents(settings, add)


def _list(args: argparse.Namespace, settings: Settings) -> int:
    async def show(store: TrustedDocuments) -> None:
        for registered in await store.list():
            added = registered.added_at.isoformat(timespec="seconds")
            print(f"sha256:{registered.sha256}\t{registered.operation_name or '-'}\t{added}")

    return _with_documents(settings, show)


def _remove(args: argparse.Namespace, settings: Settings) -> int:
    async def remove(store: TrustedDocuments) -> None:
        await store.remove(args.hash)
        print(f"removed {args.hash}; running gateways stop accepting it within a minute")

    return _with_documents(settings, remove)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    documents = commands.add_parser(
        "documents",
        help="manage trusted documents (persisted queries)",
        description="Register the frontends' GraphQL operations so that they can be sent by hash "
        '({"documentId": "sha256:<hash>"}); with HOKS_TRUSTED_DOCUMENTS=require nothing else runs, '
        "except for ADMIN and ANALYST callers.",
    )
    actions = documents.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="register the operations of .graphql files or .json manifests",
        description="A .graphql file with one operation is registered as written; several "
        "operations are split, each with the fragments it uses. A .json manifest maps "
        '"sha256:<hash>" to document text (as graphql-codegen writes it). Each document must fit '
        "the schema. Prints each hash and operation name.",
    )
    add.add_argument("files", nargs="+", type=Path, metavar="FILE")
    add.add_argument("--manifest", type=Path, help="also write {hash: text} of what was registered")
    add.set_defaults(handler=_add)
    actions.add_parser("list", help="list registered documents").set_defaults(handler=_list)
    remove = actions.add_parser("remove", help="unregister a document")
    remove.add_argument("hash", help="sha256:<hex> as `list` shows it")
    remove.set_defaults(handler=_remove)
