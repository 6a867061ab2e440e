"""The bulk import's cheaper steps against the ways they replace (bench/README.md, "Every way a
plan is written"): module-ids drawn for a whole plan at once, the nulls' paths spelled out only
when there is a null, and the insert's plans encoded one by one."""

from __future__ import annotations

import copy
import datetime as dt
import uuid
from typing import Any

import orjson
import pytest

from hoks_gateway.hoks.document import DocumentInvalid, parse_ehoks
from hoks_gateway.hoks.document.codec import random_module_id, random_module_ids
from hoks_gateway.hoks.service import HoksWrites, plans_json
from tests.hoks_document.test_document_corpus import TRANSFERABLE, facts_for, load
from tests.module_ids import module_ids

TODAY = dt.date(2026, 11, 28)


def _is_random_uuid_text(text: str) -> bool:
    drawn = uuid.UUID(text)
    return str(drawn) == text and drawn.version == 4 and drawn.variant == uuid.RFC_4122


@pytest.mark.parametrize("count", [0, 1, 2, 45, 300])
def test_module_ids_drawn_together_are_random_uuids_as_one_drawn_alone(count: int) -> None:
    drawn = random_module_ids(count)
    assert len(drawn) == count == len(set(drawn))
    assert all(_is_random_uuid_text(one) for one in drawn)
    assert _is_random_uuid_text(random_module_id())


@pytest.mark.parametrize("name", TRANSFERABLE)
def test_a_plan_gets_its_module_ids_where_one_at_a_time_gives_them(name: str) -> None:
    document = load(name)

    def parsed(new_id: Any) -> dict[str, str]:
        model = parse_ehoks(
            document,
            mode="create",
            manual=False,
            study_right=facts_for(document),
            today=TODAY,
            new_module_id=new_id,
        )
        return module_ids(model.model_dump(mode="json", by_alias=True, exclude_none=True))

    together, alone = parsed(random_module_id), parsed(uuid.uuid4)
    assert together.keys() == alone.keys()
    assert together or name == "hoks_tuva.json"  # the TUVA plan has no parts
    assert len(set(together.values())) == len(together)
    assert all(_is_random_uuid_text(one) for one in together.values())


def test_a_nested_null_is_reported_at_its_path() -> None:
    document = copy.deepcopy(load("anonymised-example-1.json"))
    unit = document["hankittavat-ammat-tutkinnon-osat"][1]
    unit["osaamisen-hankkimistavat"][0]["muut-oppimisymparistot"] = None
    unit["osaamisen-osoittaminen"] = [None]
    with pytest.raises(DocumentInvalid) as raised:
        parse_ehoks(document, mode="create", manual=False, study_right=facts_for(document), today=TODAY)
    nulls = {v.path for v in raised.value.violations if v.rule == "null-not-allowed"}
    assert nulls == {"hankittavat-ammat-tutkinnon-osat[1].osaamisen-hankkimistavat[0].muut-oppimisymparistot"}


def test_plans_encoded_one_by_one_are_the_text_of_the_list() -> None:
    rows: list[dict[str, Any]] = []
    for name in TRANSFERABLE:
        document = load(name)
        model = parse_ehoks(
            document, mode="create", manual=False, study_right=facts_for(document), today=TODAY
        )
        encoded = HoksWrites._plan_row(
            document["opiskeluoikeus-oid"], "1.2.246.562.24.1", "1.2.246.562.10.1", model
        )
        rows.append(orjson.loads(encoded))
        assert orjson.dumps(rows[-1]) == encoded
    assert plans_json([orjson.dumps(row) for row in rows]) == orjson.dumps(rows).decode()
    assert plans_json([]) == orjson.dumps([]).decode()
