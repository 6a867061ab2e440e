"""Hostile values for every input type of the schema, and an operation that sends them.

Values are drawn for a GraphQL input type by walking it: scalars get the inputs that once made the
gateway fail (NUL characters, ids beyond 64 bits, digits that are not ASCII, timestamps without an
offset, the first and last days a date can hold), mixed with real identifiers of the test's world
so that lookups reach real rows; input objects get their required fields and some of the others;
JSON gets a real eHOKS document with one value replaced, or a small hostile tree.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
    is_leaf_type,
    is_required_argument,
)
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from tests.corpus import load

HOSTILE_TEXT = [
    "",
    " ",
    "\x00",
    "1\x00",
    "a\x00b",
    "²",  # str.isdigit() says yes, int() says no
    "١٢٣",  # Arabic-Indic digits: \d matches them outside re.ASCII
    "12²",
    "18446744073709551616",  # 2**64
    "9223372036854775808",  # 2**63: one past bigint
    "9223372036854775807",
    "99999999999999999999999999999999",
    "-1",
    "0",
    "+1",
    " 1",
    "1_000",
    "1e3",
    "%",
    "_",
    "\\",
    "'",
    "\u202e",
    "😀",
    "x" * 300,
    "1.2.246.562.24.00000000000",
    "1.2.246.562.15.99999999999999999999",
    "1.2.246.562.10.00000000001\x00",
]
HOSTILE_DATES = ["9999-12-31", "9999-12-30", "0001-01-01", "0001-01-02", "2024-02-29", "2019-05-31"]
HOSTILE_DATETIMES = [
    "2025-01-01T00:00:00",  # no offset
    "9999-12-31T23:59:59-14:00",  # past the last instant once in UTC
    "9999-12-31T23:59:59+00:00",
    "0001-01-01T00:00:00+14:00",  # before the first instant once in UTC
    "0001-01-01T00:00:00+00:00",
    "2025-06-01T12:00:00Z",
]
INTS = [-(2**31), 2**31 - 1, -1, 0, 1, 100, 101, 1000, 1001]
EHOKS_DOCUMENTS = ["anonymised-example-1.json", "hoks_tuva.json", "hoks_ainoastaan_YTOja.json"]
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
OFFSETS = [dt.timezone(dt.timedelta(hours=h)) for h in (-14, -1, 0, 2, 14)]


def reproducible(examples: int) -> settings:
    """Hypothesis settings of a fuzzing test against a server: `examples` derandomized examples,
    generated only (no shrinking, no example database), no deadline (the server is shared)."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )


@dataclass(frozen=True)
class World:
    """Identifiers of real rows, used among the hostile strings."""

    learner: str
    study_right: str
    organisation: str
    plan: int
    spare_study_right: str
    """The learner's, without a plan: the first document written for it is accepted."""

    def texts(self) -> list[str]:
        return [self.learner, self.study_right, self.organisation, str(self.plan), f"{self.learner}\x00"]


def _text(world: World) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(HOSTILE_TEXT + world.texts()), st.text(max_size=12))


def _date() -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(HOSTILE_DATES), st.dates().map(dt.date.isoformat))


def _datetime() -> st.SearchStrategy[Any]:
    generated = st.datetimes(timezones=st.none() | st.sampled_from(OFFSETS)).map(dt.datetime.isoformat)
    return st.one_of(st.sampled_from(HOSTILE_DATETIMES), generated)


def _leaf(world: World) -> st.SearchStrategy[Any]:
    return st.one_of(
        _text(world),
        _date(),
        _datetime(),
        st.sampled_from(INTS),
        st.integers(),
        st.booleans(),
        st.none(),
        st.floats(allow_nan=False, allow_infinity=False),
    )


def _replace_one(document: Any, path: Sequence[Any], value: Any) -> Any:
    if not path:
        return value
    head, *rest = path
    copy = dict(document) if isinstance(document, dict) else list(document)
    copy[head] = _replace_one(document[head], rest, value)
    return copy


def _paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path in a JSON value, the root and the containers included."""
    found = [prefix]
    if isinstance(document, dict):
        for key, value in document.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += _paths(value, (*prefix, index))
    return found


def _like(value: Any, world: World) -> st.SearchStrategy[Any]:
    """Hostile values of the kind `value` is: dates for a date, instants for an instant."""
    if isinstance(value, str) and _DATE.match(value):
        return _date() if len(value) == 10 else _datetime()
    return _leaf(world)


def _with_dates(document: Any, day: str) -> Any:
    """`document` with every date in it `day`."""
    if isinstance(document, dict):
        return {key: _with_dates(value, day) for key, value in document.items()}
    if isinstance(document, list):
        return [_with_dates(value, day) for value in document]
    return day if isinstance(document, str) and _DATE.fullmatch(document) else document


@st.composite
def _ehoks_document(draw: st.DrawFn, world: World) -> Any:
    """A real eHOKS document for the world's study right, made hostile: all its dates one of the
    first or last days there are (its rules and its progress count days from them), or some of its
    values replaced."""
    document = load(draw(st.sampled_from(EHOKS_DOCUMENTS)))
    study_right = draw(st.sampled_from([world.study_right, world.spare_study_right]))
    document |= {"oppija-oid": world.learner, "opiskeluoikeus-oid": study_right}
    if draw(st.booleans()):
        return _with_dates(document, draw(st.sampled_from(HOSTILE_DATES)))
    paths = _paths(document)[1:]
    chosen = draw(st.lists(st.sampled_from(paths), min_size=1, max_size=4, unique=True))
    # Deepest first: a value replaced inside a part that is replaced later is simply gone.
    for path in sorted(chosen, key=len, reverse=True):
        document = _replace_one(document, path, draw(_like(_at(document, path), world)))
    return document


def _at(document: Any, path: Sequence[Any]) -> Any:
    for step in path:
        document = document[step]
    return document


def _json(world: World) -> st.SearchStrategy[Any]:
    keys = st.sampled_from(["oppija-oid", "opiskeluoikeus-oid", "alku", "loppu", "\x00"]) | st.text(
        max_size=6
    )
    tree = st.recursive(
        _leaf(world),
        lambda children: st.lists(children, max_size=3) | st.dictionaries(keys, children, max_size=4),
        max_leaves=8,
    )
    return st.one_of(_ehoks_document(world), tree)


def _scalar(name: str, world: World) -> st.SearchStrategy[Any]:
    if name in ("String", "ID"):
        return _text(world)
    if name == "Int":
        return st.one_of(st.sampled_from(INTS), st.integers(-(2**31), 2**31 - 1))
    if name == "Boolean":
        return st.booleans()
    if name == "Float":
        return st.one_of(
            st.sampled_from([1e308, -1e308, -0.0, 0.5, 2.0**63]),
            st.floats(allow_nan=False, allow_infinity=False),
        )
    if name == "Date":
        return _date()
    if name == "DateTime":
        return _datetime()
    if name == "JSON":
        return _json(world)
    raise AssertionError(f"no hostile values for the scalar {name}: add them here")


def value_of(type_: GraphQLInputType, world: World, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values of `type_`: hostile where they are scalars, well-formed where they are structure."""
    if isinstance(type_, GraphQLNonNull):
        return value_of(type_.of_type, world, depth)
    inner: st.SearchStrategy[Any]
    if isinstance(type_, GraphQLList):
        inner = st.lists(value_of(type_.of_type, world, depth + 1), max_size=2 if depth < 3 else 0)
    elif isinstance(type_, GraphQLEnumType):
        inner = st.sampled_from(list(type_.values))
    elif isinstance(type_, GraphQLInputObjectType):
        fields = type_.fields
        required = {n: value_of(f.type, world, depth + 1) for n, f in fields.items() if _required(f.type)}
        optional = {
            n: value_of(f.type, world, depth + 1)
            for n, f in fields.items()
            if not _required(f.type) and depth < 3
        }
        inner = st.fixed_dictionaries(required, optional=optional)
    else:
        assert isinstance(type_, GraphQLScalarType)
        inner = _scalar(type_.name, world)
    return inner


def _required(type_: GraphQLInputType) -> bool:
    return isinstance(type_, GraphQLNonNull)


@dataclass(frozen=True)
class RootField:
    operation: str  # "query" or "mutation"
    name: str
    field: GraphQLField

    @property
    def label(self) -> str:
        return f"{self.operation} {self.name}"


def root_fields(schema: GraphQLSchema) -> list[RootField]:
    found = []
    for operation, root in (("query", schema.query_type), ("mutation", schema.mutation_type)):
        assert root is not None
        found += [RootField(operation, name, field) for name, field in root.fields.items()]
    return found


def selection(type_: Any, depth: int = 2) -> str:
    """What to ask of a result: its leaf fields and, `depth` levels down, its objects' leaves."""
    named = get_named_type(type_)
    if is_leaf_type(named):
        return ""
    if isinstance(named, GraphQLUnionType):
        return "{ __typename }"
    assert isinstance(named, GraphQLObjectType | GraphQLInterfaceType)
    parts = ["__typename"]
    for name, field in named.fields.items():
        if any(is_required_argument(a) for a in field.args.values()):
            continue
        inner = get_named_type(field.type)
        if is_leaf_type(inner):
            parts.append(name)
        elif depth > 1:
            parts.append(f"{name} {selection(field.type, depth - 1)}")
    return "{ " + " ".join(parts) + " }"


@st.composite
def request(draw: st.DrawFn, root: RootField, world: World) -> dict[str, Any]:
    """A GraphQL request for one root field, each argument sent as a variable or left out."""
    arguments: Mapping[str, GraphQLArgument] = root.field.args
    sent = {
        name: argument
        for name, argument in arguments.items()
        if is_required_argument(argument) or draw(st.booleans())
    }
    variables = {
        name: draw(
            value_of(a.type, world) if is_required_argument(a) else st.none() | value_of(a.type, world)
        )
        for name, a in sent.items()
    }
    declared = ", ".join(f"${name}: {argument.type}" for name, argument in sent.items())
    passed = ", ".join(f"{name}: ${name}" for name in sent)
    head = f"{root.operation} Hostile({declared})" if declared else f"{root.operation} Hostile"
    call = f"{root.name}({passed})" if passed else root.name
    return {"query": f"{head} {{ {call} {selection(root.field.type)} }}", "variables": variables}
