"""eHOKS's decisions that read its opiskeluoikeus, reproduced from the gateway's registry.

eHOKS judges a HOKS against the Koski opiskeluoikeus (docs/reference/ehoks-backend.md §1.5, §5.1); the gateway
against the study right as `upsertStudyRights` registered it. Each test registers the study right
the eHOKS test uses, in the registry's terms, and checks the transfer's outcome.
"""

from __future__ import annotations

import copy
import random
from typing import Any

from hoks_gateway.identifiers import make_oid
from tests.transfers.test_transfer_cases import EXAMPLE, IMPORT, failure
from tests.transfers.world import World, corpus_entries, document

UPSERT = """
mutation($v: [StudyRightInput!]!) {
  upsertStudyRights(input: $v) { studyRights { oid kind telma plannedEndOn endedOn transferRequired } }
}
"""
# The example's work periods: the last one, a koulutussopimus, ends on 2024-12-15.
LAST_PERIOD = "hankittavat-ammat-tutkinnon-osat[1].osaamisen-hankkimistavat[2]"
LAST_END = "2024-12-15"


async def register(world: World, **changes: Any) -> dict[str, Any]:
    """Registers the example's study right again, with `changes` (StudyRightInput fields)."""
    oid = document(EXAMPLE)["opiskeluoikeus-oid"]
    [entry] = [e for e in corpus_entries(world.koulutustoimija) if e.oid == oid]
    body = await world.graphql(
        UPSERT, {"v": [entry.model_dump(mode="json", by_alias=True) | changes]}, world.admin
    )
    assert "errors" not in body, body
    [right] = body["data"]["upsertStudyRights"]["studyRights"]
    registered: dict[str, Any] = right
    return registered


def without_part_time_figures(sent: dict[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(sent)
    for unit in result["hankittavat-ammat-tutkinnon-osat"]:
        for method in unit["osaamisen-hankkimistavat"]:
            method.pop("osa-aikaisuustieto", None)
    return result


def violations(body: dict[str, Any]) -> set[tuple[str, str]]:
    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    return {(v["path"], v["rule"]) for v in error["extensions"]["violations"]}


async def test_a_telma_study_right_is_registered_and_exempts_its_work_periods(world: World) -> None:
    """eHOKS `create-new-telma-hoks-without-osa-aikaisuus`: a TELMA study right's workplace
    periods ending after 2023-06-30 need no osa-aikaisuustieto (`create-new-hoks-without-
    osa-aikaisuus` refuses them on any other study right)."""
    sent = without_part_time_figures(document(EXAMPLE))
    refused = violations(await world.graphql(IMPORT, {"d": sent}, world.service))
    assert refused == {
        (
            "hankittavat-ammat-tutkinnon-osat[0].osaamisen-hankkimistavat[1].osa-aikaisuustieto",
            "part-time-percentage-required",
        ),
        (f"{LAST_PERIOD}.osa-aikaisuustieto", "part-time-percentage-required"),
    }
    assert (await register(world, telma=True))["telma"] is True
    body = await world.graphql(IMPORT, {"d": sent}, world.service)
    assert "errors" not in body, body


async def test_work_periods_are_held_to_the_estimated_end_not_the_actual_one(world: World) -> None:
    """eHOKS `ends-before-opiskeluoikeus?` reads Koski's `arvioituPäättymispäivä` only
    (`prevent-invalid-osaamisen-hankkimistapa`, "Korjaa loppupäivä"): a learner who graduated
    before a period ended, with the period inside the estimated end, is accepted."""
    right = await register(world, status="valmistunut", endedOn="2024-06-30", plannedEndOn=LAST_END)
    assert (right["endedOn"], right["plannedEndOn"]) == ("2024-06-30", LAST_END)
    body = await world.graphql(IMPORT, {"d": document(EXAMPLE)}, world.service)
    assert "errors" not in body, body


async def test_a_period_past_the_estimated_end_is_refused(world: World) -> None:
    await register(world, status="lasna", plannedEndOn="2024-12-14")
    body = await world.graphql(IMPORT, {"d": document(EXAMPLE)}, world.service)
    assert violations(body) == {(f"{LAST_PERIOD}.loppu", "work-period-inside-study-right")}
    assert await world.scalar("SELECT count(*) FROM hoks") == 0


async def test_a_study_right_of_another_kind_is_refused_for_its_kind(world: World) -> None:
    """eHOKS `opiskeluoikeus-type-is-validated`: a lukiokoulutus study right is found (not "not
    found") and refused at `opiskeluoikeus-oid`, for its kind; it never requires a HOKS."""
    right = await register(world, kind="GENERAL_UPPER_SECONDARY")
    assert (right["kind"], right["transferRequired"]) == ("GENERAL_UPPER_SECONDARY", False)
    body = await world.graphql(IMPORT, {"d": document(EXAMPLE)}, world.service)
    assert violations(body) == {("opiskeluoikeus-oid", "study-right-kind")}
    assert await world.scalar("SELECT count(*) FROM hoks") == 0


async def test_an_unknown_study_right_reads_as_eHOKS_words_it(world: World) -> None:
    """eHOKS `test-hoks-create-when-opiskeluoikeus-fetch-fails`: 400 "Opiskeluoikeus `<oid>` not
    found in Koski"; the registry is the gateway's Koski."""
    unknown = make_oid(15, random.Random(3))
    body = await world.graphql(
        IMPORT, {"d": document(EXAMPLE) | {"opiskeluoikeus-oid": unknown}}, world.service
    )
    code, status, message = failure(body)
    assert (code, status) == ("STUDY_RIGHT_NOT_FOUND", 400)
    assert message.startswith(f"Opiskeluoikeus `{unknown}` not found in Koski.")


async def test_an_unknown_learner_reads_as_eHOKS_words_it(world: World) -> None:
    """eHOKS `prevent-creating-hoks-with-non-existing-oppija`: 400 "Oppija `<oid>` not found in
    Oppijanumerorekisteri"; a registered learner who does not hold the study right gets
    "No opiskeluoikeus <oo> found for oppija <oppija>"."""
    unknown = make_oid(24, random.Random(4))
    body = await world.graphql(IMPORT, {"d": document(EXAMPLE) | {"oppija-oid": unknown}}, world.service)
    [error] = body["errors"]
    [violation] = error["extensions"]["violations"]
    assert (violation["path"], violation["rule"]) == ("oppija-oid", "learner-not-found")
    assert violation["message"].startswith(f"Oppija `{unknown}` not found in Oppijanumerorekisteri.")
    body = await world.graphql(
        IMPORT, {"d": document(EXAMPLE) | {"oppija-oid": world.other_learner}}, world.service
    )
    [error] = body["errors"]
    [violation] = error["extensions"]["violations"]
    study_right = document(EXAMPLE)["opiskeluoikeus-oid"]
    assert (violation["rule"], violation["message"]) == (
        "learner-mismatch",
        f"No opiskeluoikeus {study_right} found for oppija {world.other_learner}.",
    )
