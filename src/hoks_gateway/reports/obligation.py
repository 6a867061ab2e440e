"""The transfer obligation (docs/API.md, Rules): which study rights must have their HOKS in the service.

Only a vocational or TUVA study right can have a HOKS (the registry holds every Koski kind). A
learner's HOKS must be in the service when
  (a) the study right is valid on or after 2019-05-01: not ended before that day (so graduates of
      May–June 2019 are in), not annulled, and not on a break (keskeytys) on that day; or
  (b) a HOKS under the new legislation was approved on or after 2018-01-01 (so learners on a
      break on 2019-05-01 who have a new-law HOKS are in).

One SQL expression, used both by `StudyRight.transferRequired` and by the coverage report, so
the two can never disagree.

The registry keeps only the latest Koski tila of a study right, not its history, so "on a break
on 2019-05-01" is read as: on a break now, and begun before 2019-05-01. A learner who studied
after that day and is on a break now without a plan is therefore not counted; with tila
periods (Koski opiskeluoikeusjaksot) in the registry this becomes exact.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, not_, or_

from hoks_gateway.db.tables import Hoks, StudyRight
from hoks_gateway.hoks.document.rules import NEW_LEGISLATION_FROM
from hoks_gateway.hoks.document.study_right import HOKS_KINDS

TRANSFER_OBLIGATION_FROM = dt.date(2019, 5, 1)
"""Study rights valid on or after this day must have their HOKS in the service."""

BREAK = "valiaikaisestikeskeytynyt"
ANNULLED = ("mitatoity", "peruutettu")

# approved_at is an instant; the legislation changed at midnight Finnish time.
_NEW_LEGISLATION_AT = dt.datetime.combine(NEW_LEGISLATION_FROM, dt.time(), tzinfo=ZoneInfo("Europe/Helsinki"))


def has_new_law_hoks() -> ColumnElement[bool]:
    """The study right has a (not deleted) HOKS approved under the new legislation: first
    approved on or after 2018-01-01, or an older plan updated into a HOKS and approved since."""
    return exists().where(
        Hoks.study_right_oid == StudyRight.oid,
        Hoks.deleted_at.is_(None),
        or_(Hoks.first_approved_on >= NEW_LEGISLATION_FROM, Hoks.approved_at >= _NEW_LEGISLATION_AT),
    )


def valid_on_or_after_obligation() -> ColumnElement[bool]:
    return and_(
        or_(StudyRight.ended_on.is_(None), StudyRight.ended_on >= TRANSFER_OBLIGATION_FROM),
        StudyRight.status.not_in(ANNULLED),
        not_(and_(StudyRight.status == BREAK, StudyRight.started_on < TRANSFER_OBLIGATION_FROM)),
    )


def transfer_required() -> ColumnElement[bool]:
    """Over the `study_rights` row in the enclosing query. Only a study right a HOKS can be made
    for (vocational or TUVA) can require one."""
    return and_(
        StudyRight.kind.in_(sorted(kind.value for kind in HOKS_KINDS)),
        or_(valid_on_or_after_obligation(), has_new_law_hoks()),
    )
