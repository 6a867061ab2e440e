"""Free text never reaches analysts (docs/analyst-view.md). A name, a henkilötunnus and an e-mail
written into a plan's notes, key tasks, demonstration descriptions, a sole trader's workplace name
or any other free-text field are null in every typed field, left out of `ehoksDocument`, and out
of every revision's document, however the analyst reaches the plan; the coded content stays."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any

from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLType, is_required_argument

from hoks_gateway.graphql.schema import schema
from tests.transfers.world import World, as_input, document

EXAMPLE = "anonymised-example-1.json"
PERSON = ("Matti Meikäläinen", "130590-123A", "matti.meikalainen@example.fi")
MARK = " ".join(PERSON)
# The document's free-text fields, by their eHOKS keys.
FREE_TEXT = (
    "tyopaikan-nimi",
    "keskeiset-tyotehtavat",
    "sisallon-kuvaus",
    "ajanjakson-tarkenne",
    "vaatimuksista-tai-tavoitteista-poikkeaminen",
    "yksilolliset-kriteerit",
    "nimi",
    "kuvaus",
    "rooli",
    "tavoitteet-ja-sisallot",
    "sahkoposti",
)
# Types that lead out of the plan (to people, study rights, organisations): tested elsewhere.
EDGES = {"Learner", "StudyRight", "Organisation", "Hoks"}


def planted(value: Any, planted_keys: Counter[str], key: str = "") -> Any:
    """`value` with every free-text field holding a person's name, henkilötunnus and e-mail."""
    if isinstance(value, dict):
        return {k: planted(v, planted_keys, k) for k, v in value.items()}
    if isinstance(value, list):
        return [planted(v, planted_keys, key) for v in value]
    if key in FREE_TEXT and isinstance(value, str):
        planted_keys[key] += 1
        return f"{MARK} ({key})"
    return value


def sent_plan() -> tuple[dict[str, Any], Counter[str]]:
    sent = document(EXAMPLE)
    unit = sent["hankittavat-ammat-tutkinnon-osat"][0]
    # Notes the example leaves empty: a period's specifier, a deviation, individual criteria.
    unit["osaamisen-hankkimistavat"][0]["ajanjakson-tarkenne"] = "note"
    unit["vaatimuksista-tai-tavoitteista-poikkeaminen"] = "note"
    unit["osaamisen-osoittaminen"][0]["yksilolliset-kriteerit"] = ["note"]
    keys: Counter[str] = Counter()
    return planted(sent, keys), keys


def _unwrap(t: GraphQLType) -> GraphQLType:
    while isinstance(t, GraphQLNonNull | GraphQLList):
        t = t.of_type
    return t


def every_field(type_name: str) -> list[str]:
    """Selections of every field of the type and, within the plan, of every type below it."""
    t = schema._schema.get_type(type_name)
    assert isinstance(t, GraphQLObjectType)
    found = []
    for name, f in t.fields.items():
        inner = _unwrap(f.type)
        if any(is_required_argument(a) for a in f.args.values()) or getattr(inner, "name", "") in EDGES:
            continue
        below = " ".join(every_field(inner.name)) if isinstance(inner, GraphQLObjectType) else ""
        # A page of two is enough to reach every field; a full page of whole documents costs more
        # than the query cost limit allows (an eHOKS document weighs its size class).
        name = f"{name}(first: 2)" if "first" in f.args else name
        found.append(f"{name} {{ {below} }}" if below else name)
    return found


# One read per field of the plan (all at once is more than a document may hold), each reaching
# the plan three ways: by its id, as it stood at a moment, and in its organisation's list.
READS = [
    f"""query($id: ID!, $at: DateTime!, $org: ID!) {{
      hoks(id: $id) {{ id {field} }}
      asOf: hoks(id: $id, asOf: $at) {{ revision {field} }}
      hokses(filter: {{organisationOid: $org}}, first: 1) {{ nodes {{ id {field} }} }}
    }}"""
    for field in [*every_field("Hoks"), "revisionByNumber(number: 1) { ehoksDocument changedPaths }"]
]


async def read_all(world: World, variables: dict[str, Any], headers: dict[str, str]) -> list[dict[str, Any]]:
    answers = [await world.graphql(query, variables, headers) for query in READS]
    assert [answer["errors"] for answer in answers if "errors" in answer] == []
    return [answer["data"] for answer in answers]


async def test_analysts_read_no_free_text_anywhere(world: World) -> None:
    sent, keys = sent_plan()
    # The findings: notes, key tasks, demonstration descriptions, a workplace's name.
    assert {"ajanjakson-tarkenne", "keskeiset-tyotehtavat", "sisallon-kuvaus", "tyopaikan-nimi"} <= set(keys)
    written = await world.graphql(
        "mutation($d: JSON!) { importEhoksDocument(document: $d) { hoks { id updatedAt } } }",
        {"d": sent},
        world.service,
    )
    assert "errors" not in written, written
    plan_id = written["data"]["importEhoksDocument"]["hoks"]["id"]
    at = dt.datetime.fromisoformat(written["data"]["importEhoksDocument"]["hoks"]["updatedAt"])
    # A second version, so that the history has documents of more than one revision.
    sent["hankittavat-ammat-tutkinnon-osat"][0]["osaamisen-hankkimistavat"][0]["loppu"] = "2024-01-12"
    replaced = await world.graphql(
        "mutation($id: ID!, $i: HoksInput!) { replaceHoks(id: $id, input: $i) { hoks { revision } } }",
        {"id": plan_id, "i": as_input(sent)},
        world.staff,
    )
    assert replaced["data"]["replaceHoks"]["hoks"]["revision"] == 2, replaced
    variables = {"at": at.isoformat(), "org": "1.2.246.562.10.12424158689"}

    admin = await read_all(world, variables | {"id": plan_id}, world.admin)
    # The administrator reads every planted text (so the reads reach them all) ...
    seen = json.dumps(admin, ensure_ascii=False)
    assert sorted(key for key in keys if f"({key})" not in seen) == []

    listed = await world.graphql(READS[0], variables | {"id": plan_id}, world.analyst)
    [named] = listed["data"]["hokses"]["nodes"]
    analyst = await read_all(world, variables | {"id": named["id"]}, world.analyst)
    assert all(data["hoks"] and data["asOf"]["revision"] == 1 for data in analyst)
    # ... the analyst none of it: not the name, the henkilötunnus or the e-mail, anywhere.
    shown = json.dumps(analyst, ensure_ascii=False)
    assert [part for part in PERSON if part in shown] == []
    # The coded and structured content stays, for statistics.
    plan = {key: value for data in analyst for key, value in data["hoks"].items()}
    assert plan["revisions"]["totalCount"] == 2
    unit = plan["vocationalUnits"][0]
    assert unit["unitCodeUri"] == sent["hankittavat-ammat-tutkinnon-osat"][0]["tutkinnon-osa-koodi-uri"]
    assert unit["acquisitionMethods"][0]["methodCodeUri"].startswith("osaamisenhankkimistapa_")
    assert unit["demonstrations"][0]["startsOn"] == "2024-03-09"
    assert unit["demonstrations"][0]["contentDescriptions"] is None
    exported = plan["ehoksDocument"]["hankittavat-ammat-tutkinnon-osat"][0]
    assert exported["tutkinnon-osa-koodi-uri"] == unit["unitCodeUri"]
    # Null in ehoksDocument too, and there whether or not the plan fills it.
    assert exported["osaamisen-osoittaminen"][0]["sisallon-kuvaus"] is None
    assert all(m["ajanjakson-tarkenne"] is None for m in exported["osaamisen-hankkimistavat"])
