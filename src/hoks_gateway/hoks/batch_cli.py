"""`hoks-gateway import-ehoks-batch`: a provider's load from files, in batches.

Reads eHOKS documents from directories (every `*.json` file in name order, one document each),
JSON Lines files (`*.jsonl`, `*.ndjson`: one document per line) and single `.json` files, and
stores them in batches of HOKS_IMPORT_BATCH_SIZE (or `--batch-size`) through the same pipeline as
the `importEhoksDocuments` mutation: every rule, a revision and an audit event per plan, one
transaction per batch, and a refused document never keeps the others of its batch from being
stored. As `import-ehoks`, by default an OPH admin's manual entry, `--transfer CLIENT_ID` a
service account's transfer.

Standard output gets one line per stored plan (`SOURCE<TAB>HOKS id<TAB>revision`, SOURCE being
the file, or `file:line` in JSON Lines), so the provider can map its records to plan ids;
standard error the refusals (every violation by path and rule, never a value), a progress line
per batch and a summary. Exit status 1 if any document was refused or unreadable.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from hoks_gateway.cli_database import report_refusal, run_on_database
from hoks_gateway.db.sessions import Database
from hoks_gateway.hoks.cli import author_arguments, writes_for
from hoks_gateway.hoks.service import Refused
from hoks_gateway.settings import Settings

OPERATION = "import-ehoks-batch"
LINES = frozenset({".jsonl", ".ndjson"})
_BAR = 24


@dataclass(frozen=True, slots=True)
class Source:
    """One document as read: where it came from, and its JSON value or why it could not be read."""

    label: str
    body: object = None
    unreadable: str | None = None


def _files(paths: Sequence[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        found.extend(sorted(path.glob("*.json")) if path.is_dir() else [path])
    return found


def count(paths: Sequence[Path]) -> int:
    """How many documents `read` will give (a JSON Lines file is counted by its lines)."""
    total = 0
    for path in _files(paths):
        if path.suffix in LINES:
            try:
                with path.open(encoding="utf-8") as lines:
                    total += sum(1 for line in lines if line.strip())
            except (OSError, UnicodeDecodeError):
                total += 1
        else:
            total += 1
    return total


def read(paths: Sequence[Path]) -> Iterator[Source]:
    """Every document, one at a time (a JSON Lines file is never read whole)."""
    for path in _files(paths):
        if path.suffix not in LINES:
            try:
                yield Source(str(path), json.loads(path.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
                yield Source(str(path), unreadable=str(error))
            continue
        try:
            with path.open(encoding="utf-8") as lines:
                for number, line in enumerate(lines, start=1):
                    if line.strip():
                        yield _line(f"{path}:{number}", line)
        except (OSError, UnicodeDecodeError) as error:
            yield Source(str(path), unreadable=str(error))


def _line(label: str, line: str) -> Source:
    try:
        return Source(label, json.loads(line))
    except json.JSONDecodeError as error:
        return Source(label, unreadable=str(error))


def _batches(sources: Iterator[Source], size: int) -> Iterator[list[Source]]:
    batch: list[Source] = []
    for source in sources:
        batch.append(source)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class Progress:
    """A progress bar on standard error: redrawn in place on a terminal, a line per batch when
    standard error is a file or a pipe (logs)."""

    def __init__(self, total: int, out: TextIO = sys.stderr) -> None:
        self.total = total
        self.out = out
        self.redraw = out.isatty()
        self.started = time.monotonic()
        self.done = self.stored = self.refused = 0
        self._pending = False

    def add(self, stored: int, refused: int) -> None:
        self.done += stored + refused
        self.stored += stored
        self.refused += refused
        shown = (
            f"{self._bar()} {self.done}/{self.total} documents, {self.stored} stored, {self.refused} refused"
        )
        shown += f", {self.rate():.0f} plans/s"
        if self.redraw:
            self.out.write(f"\r{shown}\033[K")
            self._pending = True
        else:
            self.out.write(shown + "\n")
        self.out.flush()

    def rate(self) -> float:
        return self.stored / max(time.monotonic() - self.started, 1e-9)

    def interrupt(self) -> None:
        """Before another line on the same stream: end the bar's line."""
        if self._pending:
            self.out.write("\n")
            self._pending = False

    def _bar(self) -> str:
        share = self.done / self.total if self.total else 1.0
        filled = round(share * _BAR)
        return f"[{'#' * filled}{'.' * (_BAR - filled)}] {share:4.0%}"


def _import(args: argparse.Namespace, settings: Settings) -> int:
    size: int = args.batch_size or settings.import_batch_size
    paths: list[Path] = args.paths
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        print(f"hoks-gateway: error: no such file or directory: {', '.join(missing)}", file=sys.stderr)
        return 2

    async def run(db: Database) -> int:
        writes = await writes_for(db, args)
        if writes is None:
            return 2
        progress = Progress(await asyncio.to_thread(count, paths))
        failed = 0
        for batch in _batches(read(paths), size):
            readable = [source for source in batch if source.unreadable is None]
            bodies = [source.body for source in readable]
            created = await writes.create_batch(bodies, operation=OPERATION) if bodies else []
            progress.interrupt()
            for source in batch:
                if source.unreadable is not None:
                    print(f"{source.label}: unreadable: {source.unreadable}", file=sys.stderr)
            for source, outcome in zip(readable, created, strict=True):
                if isinstance(outcome, Refused):
                    report_refusal(source.label, outcome.error)
                else:
                    print(f"{source.label}\t{outcome.record.id}\t{outcome.record.revision}")
            sys.stdout.flush()
            refused = sum(1 for outcome in created if isinstance(outcome, Refused))
            unreadable = len(batch) - len(readable)
            failed += refused + unreadable
            progress.add(len(created) - refused, refused + unreadable)
        progress.interrupt()
        seconds = time.monotonic() - progress.started
        print(
            f"imported {progress.stored} of {progress.done} documents ({failed} refused or unreadable) "
            f"in {seconds:.1f} s, {progress.rate():.0f} plans/s",
            file=sys.stderr,
        )
        return 1 if failed else 0

    return run_on_database(settings, run)


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    importer = commands.add_parser(
        "import-ehoks-batch",
        help="store many HOKS documents in the eHOKS format, in batches",
        description="Store every eHOKS document under PATH (a directory: its *.json files, one document "
        "each; a .jsonl or .ndjson file: one document per line; any other file: one document) as a new "
        "plan, in batches of HOKS_IMPORT_BATCH_SIZE, each batch one transaction. A refused document is "
        "reported with every violation and the rest of its batch is stored. Standard output: "
        "SOURCE<TAB>HOKS id<TAB>revision per stored plan; standard error: refusals, a progress bar and "
        "a summary. Exit status 1 if anything was refused. The study rights must be registered first "
        "(`hoks-gateway import-study-rights`).",
    )
    importer.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="directories or files")
    importer.add_argument(
        "--batch-size",
        type=_positive,
        metavar="N",
        help="documents per batch (default HOKS_IMPORT_BATCH_SIZE)",
    )
    author_arguments(importer, "import")
    importer.set_defaults(handler=_import)
