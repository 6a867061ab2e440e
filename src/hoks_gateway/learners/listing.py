"""`learners(...)`: the staff student list as a Relay connection (ehoks-ui §3.3, in one request).

Each edge carries the learner's study rights in the listed organisation; their HOKS and its
progress come through the usual loaders, so a page costs the same few statements at any size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any

import strawberry
from strawberry.types.nodes import SelectedField, Selection

from hoks_gateway.errors import Forbidden
from hoks_gateway.graphql.context import Info
from hoks_gateway.graphql.pagination import Paging, page_info, page_size
from hoks_gateway.learners import repository as learners_repo
from hoks_gateway.learners.search import LearnerOrder as Order
from hoks_gateway.learners.search import LearnerSearch, terms
from hoks_gateway.learners.types import Learner, StudyRight
from hoks_gateway.organisations.access import require_readable


@strawberry.enum(description="Järjestys: how the student list is sorted (ties broken by oppijanumero).")
class LearnerOrder(Enum):
    SURNAME_ASC = strawberry.enum_value(Order.SURNAME_ASC, description="Sukunimi, etunimet A–Ö.")
    SURNAME_DESC = strawberry.enum_value(Order.SURNAME_DESC, description="Sukunimi, etunimet Ö–A.")
    FIRST_APPROVED_ASC = strawberry.enum_value(
        Order.FIRST_APPROVED_ASC,
        description="Ensikertainen hyväksyminen, earliest first (of the listed study rights' plans; "
        "learners without a plan last).",
    )
    FIRST_APPROVED_DESC = strawberry.enum_value(
        Order.FIRST_APPROVED_DESC, description="Ensikertainen hyväksyminen, latest first."
    )
    STARTED_ASC = strawberry.enum_value(
        Order.STARTED_ASC,
        description="Opiskeluoikeuden alkamispäivä, earliest first (the latest start among the listed "
        "study rights).",
    )
    STARTED_DESC = strawberry.enum_value(
        Order.STARTED_DESC, description="Opiskeluoikeuden alkamispäivä, newest first."
    )


@strawberry.type(description="One row of the student list: the learner and their listed study rights.")
class LearnerEdge:
    cursor: str = strawberry.field(
        description="Opaque cursor: pass it as `after` for the rows after this one."
    )
    node: Learner = strawberry.field(description="Oppija.")
    study_rights: list[StudyRight] = strawberry.field(
        description="Opiskeluoikeudet in the listed organisation (all the caller may see when none "
        "was given), newest first; each with its HOKS."
    )


@strawberry.type(description="Opiskelijat: a page of the student list and the size of the whole list.")
class LearnerConnection(Paging):
    edges: list[LearnerEdge] = strawberry.field(description="The rows of this page with their cursors.")

    @strawberry.field(description="The learners of this page (the edges' nodes).")
    def nodes(self) -> list[Learner]:
        return [edge.node for edge in self.edges]


def _skipped(directives: Mapping[str, Mapping[str, Any]]) -> bool:
    return directives.get("skip", {}).get("if") is True or directives.get("include", {}).get("if") is False


def _asks(selections: Sequence[Selection], path: Sequence[str]) -> bool:
    """Whether the operation selects the field at `path` (field names, through fragments; not
    where @skip or @include leave it out)."""
    if not path:
        return True
    for selection in selections:
        if _skipped(selection.directives):
            continue
        if isinstance(selection, SelectedField):
            if selection.name == path[0] and _asks(selection.selections, path[1:]):
                return True
        elif _asks(selection.selections, path):
            return True
    return False


async def learners(
    info: Info,
    organisation_oid: strawberry.ID | None = None,
    search: str | None = None,
    order_by: LearnerOrder | None = None,
    first: int | None = None,
    after: str | None = None,
) -> LearnerConnection:
    context = info.context
    scope = context.authz
    organisation = None if organisation_oid is None else str(organisation_oid)
    if organisation is not None:
        await require_readable(info, organisation)
    order = (
        Order(order_by.name)
        if order_by
        else (Order.STARTED_DESC if scope.pseudonymised else Order.SURNAME_ASC)
    )
    if scope.pseudonymised and order.by_name:
        raise Forbidden("Analysts see no names, so the list cannot be ordered by name.")
    limit = page_size(first)
    query = LearnerSearch(scope, organisation, terms(search), order)
    reads = context.db.reads
    plans = _asks(info.selected_fields, ("learners", "edges", "studyRights", "hoks"))
    page = await query.counted_page(reads, limit, after, context.cursors, plans=plans)
    rows, total = page.rows, page.total
    shown = rows[:limit]
    study_rights = page.study_rights
    if study_rights is None:
        study_rights = await learners_repo.listed_study_rights(
            reads,
            [r.learner.oid for r in shown],
            scope,
            query.shape,
            query.listed_study_right,
            query.parameters,
        )

    async def count() -> int:
        return total if total is not None else await query.count(reads)

    loaders, keyset = context.loaders, query.keyset()
    edges = []
    for row in shown:
        oid = row.learner.oid
        # The list read these learners' personal data; so does anything a client asks of them next.
        for right in study_rights.get(oid, []):
            context.audit.learner(oid, right.oppilaitos_oid)
        context.audit.learner(oid)
        loaders.learner.prime(oid, row.learner)
        if organisation is None:
            loaders.study_rights_of_learner.prime(oid, study_rights.get(oid, []))
        edges.append(
            LearnerEdge(
                cursor=keyset.encode(row.key, context.cursors),
                node=Learner.from_record(row.learner, scope),
                study_rights=[StudyRight.from_record(r, scope) for r in study_rights.get(oid, [])],
            )
        )
    if page.plans is not None:
        # Read with the page: the plans go where the study rights' `hoks` edge finds them, and into
        # the audit trail as that edge's loader would put them (the operation asks for them).
        for row in shown:
            for right in study_rights.get(row.learner.oid, []):
                plan = page.plans[right.oid]
                loaders.hoks_of_study_right.prime(right.oid, plan)
                if plan is not None:
                    context.audit.hoks(plan.id, plan.learner_oid, plan.organisation_oid)
    return LearnerConnection(
        page_info=page_info(edges, has_next=len(rows) > limit, after=after), count=count, edges=edges
    )
