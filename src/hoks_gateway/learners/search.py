"""The staff student list (ehoks-ui §3.3) in SQL: learners with a study right the caller may see,
optionally in one organisation, matched by name, qualification, HOKS id or OID, in keyset pages.

A learner is listed once, whatever the number of their study rights; the row's dates are taken
over the study rights that put the learner on the list (earliest first approval, latest start).

Without search words, when the listed study rights are exactly those at or below one
organisation (an organisation the caller may read, or everything for admins and analysts), the
page is read from `learner_list` (0006): one row per (organisation, learner) with the sort keys,
an index per order, so a page is an index range scan whatever the size of the organisation; the
count is the sum of that organisation's few `learner_list_count` rows (0013), kept exact by
triggers. These statements, and the listed study rights', are built and compiled once per shape
(order, first page or not) with every value a parameter: building a statement cost more than
running it.
Otherwise it is computed from the study rights: a search scans the organisation's study rights
for matches anyway (and sorts only the matches), and a staff member's list over all their
organisations at once (no `organisationOid`) may include procured training of other
oppilaitokset, which no single `listed_in` holds.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from asyncpg import Record
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
)

from hoks_gateway.auth.principal import Privilege
from hoks_gateway.authz.pseudonyms import Identifier, kind_of
from hoks_gateway.authz.scope import Scope, organisations_at_or_below
from hoks_gateway.db.reads import Reads
from hoks_gateway.db.tables import (
    LISTED_EVERYWHERE,
    Hoks,
    Learner,
    LearnerList,
    LearnerListCount,
    Organisation,
    StudyRight,
)
from hoks_gateway.errors import BadUserInput
from hoks_gateway.graphql.cursors import Cursors
from hoks_gateway.graphql.pagination import Keyset
from hoks_gateway.hoks.ids import searched_hoks_id
from hoks_gateway.hoks.repository import HOKS_COLUMNS, HoksRecord
from hoks_gateway.learners.repository import STUDY_RIGHT_COLUMNS, LearnerRecord, StudyRightRecord


class LearnerOrder(StrEnum):
    SURNAME_ASC = "SURNAME_ASC"
    SURNAME_DESC = "SURNAME_DESC"
    FIRST_APPROVED_ASC = "FIRST_APPROVED_ASC"
    FIRST_APPROVED_DESC = "FIRST_APPROVED_DESC"
    STARTED_ASC = "STARTED_ASC"
    STARTED_DESC = "STARTED_DESC"

    @property
    def descending(self) -> bool:
        return self.endswith("_DESC")

    @property
    def by_name(self) -> bool:
        return self.startswith("SURNAME")


MAX_TERMS = 6
_OID = re.compile(r"^1\.2\.246\.562\.\d+\.\d+$")
# Learners without the date sort last in either direction.
_LAST_ASC, _LAST_DESC = dt.date(9999, 12, 31), dt.date(1, 1, 1)


_LISTED_IN: BindParameter[str] = bindparam("listed_in", type_=LearnerList.listed_in.type)
_LIMIT: BindParameter[int] = bindparam("limit", type_=Integer())


def _list_keyset(order: LearnerOrder) -> Keyset:
    """The order of a page read from `learner_list`; the same name, and so the same cursors, as
    the page computed from the study rights."""
    if order.by_name:
        key: tuple[Any, ...] = (LearnerList.surname, LearnerList.first_names, LearnerList.learner_oid)
        parsers: tuple[Any, ...] = (str, str, str)
    else:
        if order.startswith("FIRST_APPROVED"):
            date = LearnerList.first_approved_desc if order.descending else LearnerList.first_approved_asc
        else:
            date = LearnerList.started_on
        key, parsers = (date, LearnerList.learner_oid), (dt.date.fromisoformat, str)
    return Keyset(f"learners.{order.value}", key, parsers, order.descending)


_LIST_KEYSETS = {order: _list_keyset(order) for order in LearnerOrder}


def _after(keyset: Keyset) -> ColumnElement[bool]:
    """The rows after a cursor, its values the parameters `after_0`, `after_1`, ...."""
    bounds = [bindparam(f"after_{i}", type_=column.type) for i, column in enumerate(keyset.columns)]
    key, bound = tuple_(*keyset.columns), tuple_(*bounds)
    return key < bound if keyset.descending else key > bound


def _kept_count() -> Select[Any]:
    """The size of the list of `listed_in`, as the triggers of 0013 keep it."""
    return select(func.coalesce(func.sum(LearnerListCount.learners), 0)).where(
        LearnerListCount.listed_in == _LISTED_IN
    )


def _list_page(order: LearnerOrder, after: bool) -> Select[Any]:
    """A page read from `learner_list` with the list's size on every row: parameters
    `listed_in`, `limit` and the cursor's."""
    keyset = _LIST_KEYSETS[order]
    columns: tuple[Any, ...] = (
        LearnerList.learner_oid.label("oid"),
        LearnerList.first_names,
        Learner.calling_name,
        LearnerList.surname,
        keyset.columns[0].label("sort_key"),
        _kept_count().scalar_subquery().label("total"),
    )
    query = (
        select(*columns)
        .join(Learner, Learner.oid == LearnerList.learner_oid)
        .where(LearnerList.listed_in == _LISTED_IN)
    )
    if after:
        query = query.where(_after(keyset))
    return query.order_by(*keyset.order_by()).limit(_LIMIT)


@dataclass(frozen=True, slots=True)
class LearnerRow:
    learner: LearnerRecord
    key: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class ListedPage:
    rows: list[LearnerRow]
    """The page's learners and the first of the next page, if any."""
    total: int | None
    """The size of the whole list, when the page's statement told it."""
    study_rights: dict[str, list[StudyRightRecord]] | None
    """Each row's listed study rights, newest first, when the page's statement read them."""
    plans: dict[str, HoksRecord | None] | None
    """The plan in force of each of those study rights (None: none), when it read them too."""


_PAGE_COLUMNS = 6
"""oid, first_names, calling_name, surname, sort_key, total: then a study right's columns, then
its plan's."""
_PLAN_COLUMNS = _PAGE_COLUMNS + len(STUDY_RIGHT_COLUMNS)


def terms(search: str | None) -> list[str]:
    words = (search or "").split()
    if len(words) > MAX_TERMS:
        raise BadUserInput(f"`search` takes at most {MAX_TERMS} words.")
    return words


@dataclass(frozen=True, slots=True)
class LearnerSearch:
    scope: Scope
    organisation_oid: str | None
    search: Sequence[str]
    order: LearnerOrder

    def listed_study_right(self) -> ColumnElement[bool]:
        """A study right (the enclosing query's) that shows in the list: visible, in the organisation.

        Its values are the named parameters of `parameters`, so a statement made with it can be
        compiled once per `shape`."""
        conditions = [self.scope.study_right_visible()]
        if self.organisation_oid is not None:
            subtree = select(Organisation.oid).where(organisations_at_or_below([self.organisation_oid]))
            conditions.append(StudyRight.oppilaitos_oid.in_(subtree))
        return and_(*conditions)

    @property
    def shape(self) -> tuple[Any, ...]:
        """What the statement of `listed_study_right` depends on besides its parameters."""
        return (self.scope.kind, self.organisation_oid is not None)

    @property
    def parameters(self) -> dict[str, object]:
        """The values of `listed_study_right`'s parameters."""
        found = self.scope.parameters
        if self.organisation_oid is not None:
            found["held"] = [self.organisation_oid]
        return found

    def _term(self, term: str) -> ColumnElement[bool]:
        """One search word, against the learner of the enclosing study right or the study right.

        Analysts name learners, study rights and plans by their pseudonyms only: a real OID or
        HOKS id must not confirm a person, so it matches nothing for them, nor do names."""
        qualification = StudyRight.qualification_name_fi.icontains(term, autoescape=True)
        if self.scope.pseudonymised:
            kind = kind_of(term)
            if kind is not None:
                return self._identifier(kind, self.scope.looked_up(kind, term))
            return false() if searched_hoks_id(term) is not None or _OID.match(term) else qualification
        if searched_hoks_id(term) is not None:
            return self._identifier(Identifier.HOKS, term)
        if _OID.match(term):
            return or_(
                self._identifier(Identifier.STUDY_RIGHT, term), self._identifier(Identifier.LEARNER, term)
            )
        return or_(
            qualification,
            Learner.first_names.icontains(term, autoescape=True),
            Learner.surname.icontains(term, autoescape=True),
        )

    def _identifier(self, kind: Identifier, value: str | None) -> ColumnElement[bool]:
        """The enclosing study right is, or is the learner's of, or has the plan `value` names."""
        if value is None:
            return false()
        if kind is Identifier.HOKS:
            number = searched_hoks_id(value)
            if number is None:
                return false()
            return exists().where(
                Hoks.study_right_oid == StudyRight.oid,
                Hoks.id == number,
                Hoks.deleted_at.is_(None),
                self.scope.hoks_visible(),
            )
        if kind is Identifier.LEARNER:
            return StudyRight.learner_oid == value
        if kind is Identifier.STUDY_RIGHT:
            return StudyRight.oid == value
        return false()

    def listed(self) -> ColumnElement[bool]:
        """The learner (the enclosing query's) is on the list."""
        return exists().where(
            StudyRight.learner_oid == Learner.oid,
            self.listed_study_right(),
            *(self._term(t) for t in self.search),
        )

    def _sort_key(self) -> ColumnElement[Any]:
        last = literal(_LAST_DESC if self.order.descending else _LAST_ASC)
        if self.order.startswith("FIRST_APPROVED"):
            earliest = (
                select(func.min(Hoks.first_approved_on))
                .join(StudyRight, StudyRight.oid == Hoks.study_right_oid)
                .where(
                    StudyRight.learner_oid == Learner.oid,
                    self.listed_study_right(),
                    Hoks.deleted_at.is_(None),
                    self.scope.hoks_visible(),
                )
                .scalar_subquery()
            )
            return func.coalesce(earliest, last)
        latest = (
            select(func.max(StudyRight.started_on))
            .where(StudyRight.learner_oid == Learner.oid, self.listed_study_right())
            .scalar_subquery()
        )
        return func.coalesce(latest, last)

    @property
    def listed_in(self) -> str | None:
        """The `learner_list.listed_in` whose rows are exactly this list, if one is."""
        if self.search:
            return None
        if self.organisation_oid is None:
            return LISTED_EVERYWHERE if self.scope.everything else None
        if self.scope.everything or self.organisation_oid in self.scope.reachable(Privilege.READ):
            # Everything at or below a readable organisation is visible (and so are its plans:
            # a plan's organisation is its study right's oppilaitos).
            return self.organisation_oid
        return None

    def _page_query(self) -> tuple[Select[Any], Keyset]:
        columns: tuple[Any, ...] = (Learner.oid, Learner.first_names, Learner.calling_name, Learner.surname)
        if self.order.by_name:
            # Straight from the learners index on (surname, first_names, oid): no sort, any depth.
            keyset = Keyset(
                self._keyset_name,
                (Learner.surname, Learner.first_names, Learner.oid),
                (str, str, str),
                self.order.descending,
            )
            return select(*columns).where(self.listed()), keyset
        inner = select(*columns, self._sort_key().label("sort_key")).where(self.listed()).subquery()
        keyset = Keyset(
            self._keyset_name,
            (inner.c.sort_key, inner.c.oid),
            (dt.date.fromisoformat, str),
            self.order.descending,
        )
        return select(inner), keyset

    @property
    def _keyset_name(self) -> str:
        # Both ways of reading a page order by the same key: their cursors are interchangeable.
        return f"learners.{self.order.value}"

    def keyset(self) -> Keyset:
        if self.listed_in is not None:
            return _LIST_KEYSETS[self.order]
        return self._page_query()[1]

    def _list_page_values(
        self, listed_in: str, limit: int, after: str | None, cursors: Cursors
    ) -> dict[str, Any]:
        values: dict[str, Any] = {"listed_in": listed_in, "limit": limit + 1}
        if after is not None:
            decoded = _LIST_KEYSETS[self.order].decode(after, cursors)
            values.update((f"after_{i}", value) for i, value in enumerate(decoded))
        return values

    def page_query(self, limit: int, after: str | None, cursors: Cursors) -> Select[Any]:
        """The rows of one page and the first of the next (to tell whether there is one)."""
        listed_in = self.listed_in
        if listed_in is not None:
            values = self._list_page_values(listed_in, limit, after, cursors)
            return _list_page(self.order, after is not None).params(values)
        query, keyset = self._page_query()
        condition = keyset.after(after, cursors)
        if condition is not None:
            query = query.where(condition)
        return query.order_by(*keyset.order_by()).limit(limit + 1)

    async def page(self, reads: Reads, limit: int, after: str | None, cursors: Cursors) -> list[LearnerRow]:
        return (await self.counted_page(reads, limit, after, cursors)).rows

    def _listed_page(self, after: bool, plans: bool) -> Select[Any]:
        """A page read from `learner_list` (with the list's size) joined with each learner's listed
        study rights, newest first, and with `plans` each study right's plan in force: one
        statement for what took three."""
        page = _list_page(self.order, after).subquery("page")
        key = (
            (page.c.surname, page.c.first_names, page.c.oid)
            if self.order.by_name
            else (page.c.sort_key, page.c.oid)
        )
        # Lateral: each learner's study rights by the learner index, not the organisation's all.
        rights = (
            select(*(c.label(f"right_{c.name}") for c in STUDY_RIGHT_COLUMNS))
            .where(StudyRight.learner_oid == page.c.oid, self.listed_study_right())
            .lateral("listed_right")
        )
        columns: list[Any] = [*page.c, *rights.c]
        joined = page.outerjoin(rights, true())
        if plans:
            # As hoks/repository.by_study_right reads it, in a subquery of its own: the study
            # right's transfer obligation asks about plans too.
            plan = (
                select(*(c.label(f"plan_{c.key}") for c in HOKS_COLUMNS))
                .where(
                    Hoks.study_right_oid == rights.c.right_oid,
                    Hoks.deleted_at.is_(None),
                    self.scope.hoks_visible(),
                )
                .lateral("plan")
            )
            columns += plan.c
            joined = joined.outerjoin(plan, true())
        return (
            select(*columns)
            .select_from(joined)
            .order_by(
                *(c.desc() if self.order.descending else c.asc() for c in key),
                rights.c.right_started_on.desc(),
                rights.c.right_oid,
            )
        )

    def listed_page_query(
        self, limit: int, after: str | None, cursors: Cursors, plans: bool = True
    ) -> Select[Any]:
        """The statement `counted_page` runs for a list read from `learner_list`, with its values."""
        listed_in = self.listed_in
        if listed_in is None:
            raise ValueError("this list is not read from learner_list")
        values = self._list_page_values(listed_in, limit, after, cursors) | self.parameters
        return self._listed_page(after is not None, plans).params(values)

    async def counted_page(
        self, reads: Reads, limit: int, after: str | None, cursors: Cursors, plans: bool = False
    ) -> ListedPage:
        """The page; read from `learner_list`, also the size of the whole list (when the page has
        rows), the learners' listed study rights and, with `plans`, each one's plan in force."""
        listed_in = self.listed_in
        if listed_in is None:
            rows = await reads.fetch_built(self.page_query(limit, after, cursors))
            return ListedPage([self._row(row) for row in rows], None, None, None)
        rows = await reads.fetch(
            ("learners.listed_page", self.order, after is not None, self.shape, plans),
            lambda: self._listed_page(after is not None, plans),
            **self._list_page_values(listed_in, limit, after, cursors),
            **self.parameters,
        )
        found: list[LearnerRow] = []
        rights: dict[str, list[StudyRightRecord]] = {}
        plan_of: dict[str, HoksRecord | None] | None = {} if plans else None
        for row in rows:
            oid = row["oid"]
            if oid not in rights:
                found.append(self._row(row))
                rights[oid] = []
            if row[_PAGE_COLUMNS] is None:
                continue
            right = StudyRightRecord(*row[_PAGE_COLUMNS:_PLAN_COLUMNS])
            rights[oid].append(right)
            if plan_of is not None:
                plan_of[right.oid] = None if row[_PLAN_COLUMNS] is None else HoksRecord(*row[_PLAN_COLUMNS:])
        return ListedPage(found, int(rows[0]["total"]) if rows else None, rights, plan_of)

    def _row(self, row: Record) -> LearnerRow:
        record = LearnerRecord(row["oid"], row["first_names"], row["calling_name"], row["surname"])
        key = (
            (row["surname"], row["first_names"], row["oid"])
            if self.order.by_name
            else (row["sort_key"], row["oid"])
        )
        return LearnerRow(record, key)

    def count_query(self) -> Select[Any]:
        listed_in = self.listed_in
        if listed_in is None:
            return select(func.count()).select_from(Learner).where(self.listed())
        return _kept_count().params(listed_in=listed_in)

    async def count(self, reads: Reads) -> int:
        listed_in = self.listed_in
        if listed_in is None:
            [row] = await reads.fetch_built(self.count_query())
        else:
            [row] = await reads.fetch("learners.list_count", _kept_count, listed_in=listed_in)
        return int(row[0] or 0)
