"""What analysts see of a plan (docs/analyst-view.md): every identifier of a person or of a study
right is a pseudonym, wherever it appears (typed fields, Relay ids, ehoksDocument), the same one
everywhere, and one that names its kind."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from sqlalchemy import text
from strawberry.utils.str_converters import to_camel_case

from hoks_gateway.auth.principal import Principal, PrincipalKind
from hoks_gateway.authz.pseudonyms import Identifier
from hoks_gateway.db.sessions import Database
from hoks_gateway.hoks.analyst_view import AS_IS, Treatment, treatment
from hoks_gateway.hoks.document import HoksDocument
from tests.client import ADMIN, bearer, gateway, graphql, pseudonym
from tests.corpus import load
from tests.factories import Factory
from tests.graph.test_hoks_content import as_stored

ANALYST = Principal(PrincipalKind.ANALYST, "1.2.246.562.24.69366181772")

FIELDS = """
fragment Plan on Hoks {
  id eid tuvaStudyRightOid
  studyRight { id oid learner { id oid } }
  learner { id oid studyRights { id oid kind hoks { id eid } } }
  vocationalUnits {
    acquisitionMethods { identifier workplaceTraining { workplaceYTunnus } }
    demonstrations { environment { yTunnus } workingLifeAssessors { organisation { yTunnus } } }
  }
  ehoksDocument
}
"""
PLAN = "query($id: ID!) { hoks(id: $id) { ...Plan } }" + FIELDS
# Reached without naming the plan: the organisation's list.
LISTED = "query($org: ID!) { hokses(filter: {organisationOid: $org}) { nodes { ...Plan } } }" + FIELDS


def parts(document: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """Every `key` part of the document's vocational units to acquire."""
    return [part for unit in document["hankittavat-ammat-tutkinnon-osat"] for part in unit.get(key, [])]


async def store(db: Database, factory: Factory) -> tuple[int, dict[str, Any], list[str], str]:
    """A transferred plan (eHOKS's anonymised example) naming the learner's TUVA study right:
    (plan id, the document sent, every identifier but the plan id in it or behind it, its
    oppilaitos)."""
    toimija, oppilaitos = await factory.provider("Gradia")
    learner = await factory.learner()
    right = await factory.study_right(learner, toimija, oppilaitos, started_on=dt.date(2018, 11, 15))
    tuva = await factory.study_right(learner, toimija, oppilaitos, kind="TUVA")
    sent = load("anonymised-example-1.json") | {
        "oppija-oid": learner,
        "opiskeluoikeus-oid": right,
        "tuva-opiskeluoikeus-oid": tuva,
    }
    document = as_stored(sent, tuva_oids=frozenset({tuva}))
    plan = await factory.hoks(right, learner, oppilaitos, document=document)
    async with db.read() as session:
        eid = (await session.execute(text("SELECT eid FROM hoks WHERE id = :id"), {"id": plan})).scalar()
    periods, demonstrations = parts(sent, "osaamisen-hankkimistavat"), parts(sent, "osaamisen-osoittaminen")
    identifiers = [
        learner,
        right,
        tuva,
        str(eid),
        *(m["yksiloiva-tunniste"] for m in periods if "yksiloiva-tunniste" in m),
        *(
            m["tyopaikalla-jarjestettava-koulutus"]["tyopaikan-y-tunnus"]
            for m in periods
            if "tyopaikan-y-tunnus" in m.get("tyopaikalla-jarjestettava-koulutus", {})
        ),
        *(d["nayttoymparisto"]["y-tunnus"] for d in demonstrations if "y-tunnus" in d["nayttoymparisto"]),
    ]
    return plan, sent, identifiers, oppilaitos


def quoted(identifiers: list[str], answer: dict[str, Any]) -> list[str]:
    """The identifiers that appear in the answer as a whole string value."""
    shown = json.dumps(answer)
    return [i for i in identifiers if f'"{i}"' in shown]


def learner_rights(plan: dict[str, Any]) -> list[dict[str, Any]]:
    rights: list[dict[str, Any]] = plan["learner"]["studyRights"]
    return rights


async def test_analysts_see_every_identifier_as_a_pseudonym_of_its_kind(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    factory = Factory(db)
    plan_id, sent, identifiers, oppilaitos = await store(db, factory)
    async with gateway(database_url, data_dir=tmp_path, demo=True) as client:
        seen = await graphql(client, PLAN, {"id": str(plan_id)}, headers=bearer(tmp_path, ADMIN))
        listed = await graphql(client, LISTED, {"org": oppilaitos}, headers=bearer(tmp_path, ANALYST))
        assert "errors" not in listed, listed
        [plan] = listed["data"]["hokses"]["nodes"]
        again = await graphql(client, PLAN, {"id": plan["id"]}, headers=bearer(tmp_path, ANALYST))
    # The administrator's view holds them all (the check below means something) ...
    assert len(identifiers) >= 8 and quoted(identifiers, seen) == identifiers
    # ... the analyst's none of them, and the same pseudonyms every time: by the plan's pseudonym
    # the analyst finds it again.
    assert quoted(identifiers, listed) == []
    assert again["data"]["hoks"] == plan
    named = pseudonym(tmp_path, Identifier.HOKS, plan_id)
    document = plan["ehoksDocument"]
    # One pseudonym per identifier, the same in every place it shows, its kind in its prefix.
    assert plan["id"] == named == document["id"] and named.startswith("pseudonym:hoks:")
    assert [r["hoks"]["id"] for r in learner_rights(plan) if r["hoks"]] == [named]
    assert plan["eid"] == document["eid"] and uuid.UUID(plan["eid"]).version == 8
    learner, right = plan["learner"], plan["studyRight"]
    assert learner["oid"] == learner["id"] == right["learner"]["oid"] == document["oppija-oid"]
    assert learner["oid"].startswith("pseudonym:learner:")
    assert right["oid"] == right["id"] == document["opiskeluoikeus-oid"]
    assert right["oid"].startswith("pseudonym:study-right:")
    [tuva] = [r for r in learner_rights(plan) if r["kind"] == "TUVA"]
    assert plan["tuvaStudyRightOid"] == document["tuva-opiskeluoikeus-oid"] == tuva["oid"] != right["oid"]
    methods = [m for u in plan["vocationalUnits"] for m in u["acquisitionMethods"]]
    assert {m["identifier"].split(":")[1] for m in methods if m["identifier"]} == {"tunniste"}
    workplaces = [m["workplaceTraining"]["workplaceYTunnus"] for m in methods if m["workplaceTraining"]]
    assert workplaces and all(y.startswith("pseudonym:y-tunnus:") for y in workplaces)
    tunnisteet = [m for m in parts(sent, "osaamisen-hankkimistavat") if "yksiloiva-tunniste" in m]
    assert len([m for m in methods if m["identifier"]]) == len(tunnisteet)


DOC = Path(__file__).resolve().parents[2] / "docs" / "analyst-view.md"


def _models_of(annotation: Any) -> list[type[BaseModel]]:
    if get_origin(annotation) is not None:
        return [found for arg in get_args(annotation) for found in _models_of(arg)]
    return [annotation] if isinstance(annotation, type) and issubclass(annotation, BaseModel) else []


def _plan_models() -> list[type[BaseModel]]:
    """The document's model and every part model below it."""
    found: list[type[BaseModel]] = [HoksDocument]
    for model in found:
        for info in model.model_fields.values():
            found += [m for m in _models_of(info.annotation) if m not in found]
    return found


def test_the_analyst_view_is_documented_field_by_field() -> None:
    """docs/analyst-view.md has a row for every field of every part of a plan, saying what the
    allow-list (hoks/analyst_view.py) shows analysts of it."""
    sections = {
        section.split("\n", 1)[0].strip(): section
        for section in DOC.read_text(encoding="utf-8").split("\n### ")
    }
    labels = {Treatment.NULL: "null", Treatment.WALK: "its parts", AS_IS: "as is"}
    missing = []
    for model in _plan_models():
        section = sections.get(model.__name__, "")
        rows = [line for line in section.splitlines() if line.startswith("| `")]
        assert len(rows) == len(model.model_fields), model.__name__
        for name, info in model.model_fields.items():
            applied = treatment(model, name)
            label = "pseudonym" if isinstance(applied, Identifier) else labels[applied]
            row = f"| `{info.alias or name}` | `{to_camel_case(name)}` | {label}"
            if not any(line.startswith(row) for line in rows):
                missing.append(row)
    assert missing == []
