"""Where the gateway's CPU goes: py-spy samples of a server under load, summed up by subsystem.

    python -m bench.cpu_profile PROFILE.txt [...]     # summarise py-spy `--format raw` output

`record` runs py-spy (installed by bench/peer/setup.sh into its tool venv) against a process for
some seconds; `summarise` reads the collapsed stacks it wrote ("frame;frame;... count" a line,
outermost first, each frame "function (path:line)") and says, as percentages of on-CPU samples:

- self time by subsystem: each sample goes to the innermost frame that belongs to a named
  subsystem (frames of other standard-library modules count for their caller), so the rows add
  up to 100 %;
- inclusive time by subsystem: samples with any frame of it on the stack (rows overlap), and for
  each the frames through which it was entered (its outermost frame on the stack);
- the functions with the most self samples.
"""

from __future__ import annotations

import argparse
import re
import subprocess
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

# First match wins: the gateway's own packages before the libraries whose names they share.
# Paths are as py-spy prints them (relative to site-packages or the source root), with a "/" put in
# front, so "/graphql/" is graphql-core and "hoks_gateway/graphql/" the gateway's own layer.
SUBSYSTEMS: tuple[tuple[str, str], ...] = (
    ("hoks_gateway/cli.py", "gateway: start-up (cli, app)"),
    ("hoks_gateway/app.py", "gateway: start-up (cli, app)"),
    ("hoks_gateway/pipeline.py", "gateway: middleware"),
    ("hoks_gateway/one_send.py", "socket write (one send per answer, one_send.py)"),
    ("hoks_gateway/auth/middleware.py", "gateway: middleware"),
    ("hoks_gateway/ratelimit/middleware.py", "gateway: middleware"),
    ("hoks_gateway/graphql/http.py", "gateway: middleware"),
    ("hoks_gateway/auth/", "gateway: token check and principal (auth)"),
    ("hoks_gateway/audit/", "gateway: audit events"),
    ("hoks_gateway/ratelimit/", "gateway: rate limiter"),
    ("hoks_gateway/access_log", "gateway: access log"),
    ("hoks_gateway/graphql/loaders.py", "gateway: loaders and request context"),
    ("hoks_gateway/graphql/context.py", "gateway: loaders and request context"),
    ("hoks_gateway/graphql/", "gateway: GraphQL view, limits, document caches"),
    ("hoks_gateway/db/", "gateway: database sessions"),
    ("hoks_gateway/", "gateway: resolvers and repositories"),
    ("/graphql/execution/", "graphql-core: execution"),
    ("/graphql/", "graphql-core: parse, validate, types"),
    ("/strawberry/extensions/", "strawberry: extensions"),
    ("/strawberry/", "strawberry: schema, fields, HTTP view"),
    ("/sqlalchemy/orm/", "SQLAlchemy: ORM"),
    ("/sqlalchemy/sql/", "SQLAlchemy: SQL construct and compile"),
    ("/sqlalchemy/", "SQLAlchemy: engine, pool, dialect, asyncio"),
    ("/greenlet/", "SQLAlchemy: engine, pool, dialect, asyncio"),
    ("/asyncpg/", "asyncpg"),
    ("/aiodataloader", "aiodataloader"),
    ("/pydantic", "pydantic"),
    ("/starlette/", "starlette"),
    ("/uvicorn/", "uvicorn"),
    ("/h11/", "h11"),
    ("/httptools/", "httptools"),
    ("/joserfc/", "JWT (joserfc, cryptography)"),
    ("/cryptography/", "JWT (joserfc, cryptography)"),
    ("/json/", "JSON (stdlib json)"),
    ("/asyncio/", "event loop (asyncio)"),
    ("/uvloop/", "event loop (asyncio)"),
    ("/selectors.py", "event loop (asyncio)"),
    ("/logging/", "logging"),
)
OTHER = "other"
"""Standard-library frames of no named subsystem, and frames with no file (the interpreter)."""
WRAPPERS = frozenset(
    {
        "event loop (asyncio)",
        "gateway: start-up (cli, app)",
        "uvicorn",
        "starlette",
        "gateway: middleware",
        "gateway: GraphQL view, limits, document caches",
        "strawberry: schema, fields, HTTP view",
    }
)
"""Subsystems whose frames are below every request's work: their inclusive time is nearly all of
it and says nothing, so they are left out of the inclusive table (their self time is in the other)."""

_FRAME = re.compile(r"^(?P<function>.*) \((?P<path>[^()]*?)(?::\d+)?\)$")
_SHORT = re.compile(r"^.*?/(?:site-packages|src|lib/python3\.\d+)/")


FUNCTIONS = {
    "_SelectorSocketTransport.write": "socket write (asyncio transport send)",
}
"""Single functions worth a row of their own, by name, before the paths are looked at."""


def subsystem(path: str, function: str = "") -> str:
    if function in FUNCTIONS:
        return FUNCTIONS[function]
    rooted = "/" + path
    for needle, name in SUBSYSTEMS:
        if needle in rooted:
            return name
    return OTHER


@dataclass(frozen=True)
class Frame:
    function: str
    path: str

    @property
    def label(self) -> str:
        return f"{self.function} ({_SHORT.sub('', self.path)})"


def _frame(text: str) -> Frame | None:
    """None for py-spy's process and thread lines, which are not code."""
    found = _FRAME.match(text)
    if found is None:
        return None
    return Frame(found["function"], found["path"])


def _percent(n: int, of: int) -> str:
    return f"{100 * n / of:5.1f} %" if of else "  n/a"


@dataclass
class Summary:
    samples: int = 0
    detached: int = 0
    """Samples whose stack does not reach the thread's entry: code run in a greenlet (SQLAlchemy's
    asyncio bridge runs the ORM's synchronous code in one), which py-spy sees without its caller."""
    self_by_subsystem: Counter[str] = field(default_factory=Counter)
    inclusive_by_subsystem: Counter[str] = field(default_factory=Counter)
    entries: dict[str, Counter[str]] = field(default_factory=dict)
    """Per subsystem, the outermost frame of it on each stack: where the time in it comes from."""
    self_by_function: Counter[str] = field(default_factory=Counter)

    def lines(self, top: int = 15, entries: int = 3) -> list[str]:
        def row(n: int, name: str) -> str:
            return f"  {_percent(n, self.samples)}  {name}"

        out = [
            f"{self.samples} samples on CPU; {_percent(self.detached, self.samples).strip()} of them "
            "in a greenlet (SQLAlchemy's sync-in-async bridge), seen without their caller",
            "self time by subsystem (adds up to 100 %):",
            *(row(n, name) for name, n in self.self_by_subsystem.most_common()),
            "inclusive time by subsystem (samples with it on the stack; wrappers of every request "
            "left out), and the frames that enter it:",
        ]
        for name, n in self.inclusive_by_subsystem.most_common():
            out.append(row(n, name))
            out += [f"      {row(k, entry).strip()}" for entry, k in self.entries[name].most_common(entries)]
        out.append(f"top {top} functions by self time:")
        out += [row(n, name) for name, n in self.self_by_function.most_common(top)]
        return out


def _stacks(lines: Iterable[str]) -> Iterable[tuple[list[Frame], int]]:
    for line in lines:
        text, _, count = line.rstrip("\n").rpartition(" ")
        if not text or not count.isdigit():
            continue
        frames = [f for f in map(_frame, text.split(";")) if f is not None]
        if frames:
            yield frames, int(count)


def summarise(lines: Iterable[str]) -> Summary:
    summary = Summary()
    for frames, count in _stacks(lines):
        summary.samples += count
        if frames[0].function != "<module>":
            summary.detached += count
        named = [subsystem(f.path, f.function) for f in frames]
        owner = next((s for s in reversed(named) if s != OTHER), OTHER)
        summary.self_by_subsystem[owner] += count
        summary.self_by_function[frames[-1].label] += count
        for name in set(named) - {OTHER} - WRAPPERS:
            summary.inclusive_by_subsystem[name] += count
            entry = frames[named.index(name)].label
            summary.entries.setdefault(name, Counter())[entry] += count
    return summary


def markdown(summaries: dict[str, Summary]) -> list[str]:
    """Self time by subsystem as a Markdown table, one column per summary, rows by their mean."""
    names = Counter[str]()
    for summary in summaries.values():
        for name, n in summary.self_by_subsystem.items():
            names[name] += round(1_000_000 * n / summary.samples)
    head = "| self time, % of samples | " + " | ".join(summaries) + " |"
    rows = [head, "|---|" + "---|" * len(summaries)]
    for name, _ in names.most_common():
        cells = (_percent(s.self_by_subsystem[name], s.samples).strip() for s in summaries.values())
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    samples = (str(s.samples) for s in summaries.values())
    return [*rows, "| samples | " + " | ".join(samples) + " |"]


def record(
    py_spy: Path, pid: int, seconds: int, out: Path, *, subprocesses: bool = False, native: bool = False
) -> None:
    """Sample process `pid` (and its children) for `seconds` into `out`, py-spy's raw format;
    `native` adds the C and Cython frames (asyncpg's protocol, orjson, uvloop), which are
    otherwise counted as the self time of the Python frame that called them."""
    command = [str(py_spy), "record", "--pid", str(pid), "--duration", str(seconds)]
    command += ["--rate", "100", "--format", "raw", "--output", str(out)]
    if subprocesses:
        command.append("--subprocesses")
    if native:
        command.append("--native")
    subprocess.run(command, check=True, capture_output=True)  # noqa: S603 (the tool venv's py-spy)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("profiles", nargs="+", type=Path, help="py-spy --format raw output files")
    parser.add_argument("--top", type=int, default=15, help="functions listed per table")
    parser.add_argument(
        "--markdown", action="store_true", help="one table: self time by subsystem, a column per file"
    )
    args = parser.parse_args()
    if args.markdown:
        summaries = {}
        for path in args.profiles:
            with path.open() as lines:
                summaries[path.stem] = summarise(lines)
        print("\n".join(markdown(summaries)))
        return
    for path in args.profiles:
        print(f"== {path}")
        with path.open() as lines:
            print("\n".join(summarise(lines).lines(args.top)))


if __name__ == "__main__":
    main()
