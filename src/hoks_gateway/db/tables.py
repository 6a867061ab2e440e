"""Relational tables (docs/ARCHITECTURE.md §3, §4).

Learners, study rights, organisations, revisions and audit events are relational: they are the
graph's edges. A HOKS plan is one row with its indexed top-level columns beside the whole plan as
one JSONB document.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hoks_gateway.hoks.document.study_right import StudyRightKind

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Timestamp = DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Organisation(Base):
    """Organisaatio: koulutustoimija (education provider), oppilaitos (institution), toimipiste."""

    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint("type IN ('ROOT', 'KOULUTUSTOIMIJA', 'OPPILAITOS', 'TOIMIPISTE')", name="type"),
        Index(None, "parent_oid"),
        # Scope resolution asks "which organisations lie at or below X": a GIN index on the
        # ancestor path answers that in one statement, as eHOKS does with parentOidPath.
        Index(None, "ancestor_oids", postgresql_using="gin"),
    )

    oid: Mapped[str] = mapped_column(String(64), primary_key=True)
    parent_oid: Mapped[str | None] = mapped_column(ForeignKey("organisations.oid"))
    ancestor_oids: Mapped[list[str]] = mapped_column(ARRAY(String(64)), server_default="{}")
    type: Mapped[str] = mapped_column(String(16))
    name_fi: Mapped[str | None] = mapped_column(Text)
    name_sv: Mapped[str | None] = mapped_column(Text)
    name_en: Mapped[str | None] = mapped_column(Text)


class Learner(Base):
    """Oppija, identified by an oppijanumero (OID on node 24)."""

    __tablename__ = "learners"
    # The student list sorted by name, keyset-paged straight from the index (0004).
    __table_args__ = (Index(None, "surname", "first_names", "oid"),)

    oid: Mapped[str] = mapped_column(String(64), primary_key=True)
    first_names: Mapped[str] = mapped_column(Text)
    calling_name: Mapped[str | None] = mapped_column(Text)
    surname: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(Timestamp, server_default=func.now())


class StudyRight(Base):
    """Opiskeluoikeus as registered from Koski: the registry the HOKS rules read."""

    __tablename__ = "study_rights"
    __table_args__ = (
        CheckConstraint(f"kind IN ({', '.join(repr(k.value) for k in StudyRightKind)})", name="kind"),
        Index(None, "learner_oid"),
        Index(None, "oppilaitos_oid"),
        Index(None, "koulutustoimija_oid"),
        Index(None, "delivering_organisation_oid"),
    )

    oid: Mapped[str] = mapped_column(String(64), primary_key=True)
    learner_oid: Mapped[str] = mapped_column(ForeignKey("learners.oid"))
    oppilaitos_oid: Mapped[str] = mapped_column(ForeignKey("organisations.oid"))
    koulutustoimija_oid: Mapped[str] = mapped_column(ForeignKey("organisations.oid"))
    # Hankintakoulutus (docs/reference/ehoks-backend.md §4.3): the organisation that delivers
    # training procured by this study right's oppilaitos (in Koski, the oppilaitos of the
    # opiskeluoikeus that sisältyy tähän). Its staff may read this study right and its HOKS; only
    # the procuring oppilaitos may write, and service accounts get no share (eHOKS checks only the
    # HOKS's own).
    delivering_organisation_oid: Mapped[str | None] = mapped_column(ForeignKey("organisations.oid"))
    # Koski's opiskeluoikeuden tyyppi, by the names of hoks/document/study_right.py (0008).
    kind: Mapped[str] = mapped_column(String(40))
    # Koski's opiskeluoikeuden tila, e.g. lasna, valmistunut, eronnut, valiaikaisestikeskeytynyt.
    status: Mapped[str] = mapped_column(String(40))
    started_on: Mapped[dt.date] = mapped_column(Date)
    # The actual end (päättymispäivä) and the estimated one (arvioitu päättymispäivä), kept apart:
    # work periods are held to the estimated end only (0008).
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    planned_end_on: Mapped[dt.date | None] = mapped_column(Date)
    # A TELMA suoritus (Koski suoritustyyppi telma or telmakoulutuksenosa): outside the feedback
    # target group, so no osa-aikaisuustieto is required of its work periods (0008).
    telma: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    qualification_code: Mapped[str | None] = mapped_column(String(64))
    qualification_name_fi: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(Timestamp, server_default=func.now())


class LearnerList(Base):
    """The staff student list, one row per (organisation, learner) (0006, maintained by triggers).

    `listed_in` is an organisation the learner is listed under (the oppilaitos of one of their
    study rights or an organisation above it) or `*` for the whole registry; the sort keys are
    taken over the learner's study rights at or below it. Each order has its own index, so a page
    is an index range scan however large the organisation. Never written by the gateway itself.
    """

    __tablename__ = "learner_list"
    __table_args__ = (
        PrimaryKeyConstraint("learner_oid", "listed_in"),  # the triggers refresh by learner
        Index(None, "listed_in", "surname", "first_names", "learner_oid"),
        Index(None, "listed_in", "started_on", "learner_oid"),
        Index(None, "listed_in", "first_approved_asc", "learner_oid"),
        Index(None, "listed_in", "first_approved_desc", "learner_oid"),
    )

    listed_in: Mapped[str] = mapped_column(String(64))
    learner_oid: Mapped[str] = mapped_column(String(64))
    surname: Mapped[str] = mapped_column(Text)
    first_names: Mapped[str] = mapped_column(Text)
    started_on: Mapped[dt.date] = mapped_column(Date)
    """The latest start among the study rights at or below `listed_in`."""
    first_approved_asc: Mapped[dt.date] = mapped_column(Date)
    """The earliest first approval of their plans in force; 9999-12-31 without one (sorts last)."""
    first_approved_desc: Mapped[dt.date] = mapped_column(Date)
    """The same; 0001-01-01 without one (sorts last newest first)."""


LISTED_EVERYWHERE = "*"
"""`learner_list.listed_in` of the rows over all of a learner's study rights."""


class LearnerListCount(Base):
    """How many `learner_list` rows each `listed_in` has: the sum of its rows' `learners` (0013,
    maintained by triggers on learner_list). Each row is a delta of the writers whose backend fell
    on its `shard`, so concurrent writers mostly update different rows. Never written by the
    gateway itself."""

    __tablename__ = "learner_list_count"
    __table_args__ = (PrimaryKeyConstraint("listed_in", "shard"),)

    listed_in: Mapped[str] = mapped_column(String(64))
    shard: Mapped[int] = mapped_column(SmallInteger)
    learners: Mapped[int] = mapped_column(Integer)


class HoksDaily(Base):
    """Plans per (koulutustoimija, day stored, day visible, day deleted), Finnish days (0007).

    Maintained by triggers on hoks and study_rights; `transferStatistics` sums it. `visible_on` is
    the later of the plan's day and its study right's registration day (the per-provider figures
    count a plan once both exist); `deleted_on` is `infinity` for plans in force. Never written by
    the gateway itself.
    """

    __tablename__ = "hoks_daily"
    __table_args__ = (PrimaryKeyConstraint("koulutustoimija_oid", "created_on", "visible_on", "deleted_on"),)

    koulutustoimija_oid: Mapped[str] = mapped_column(String(64))
    created_on: Mapped[dt.date] = mapped_column(Date)
    visible_on: Mapped[dt.date] = mapped_column(Date)
    deleted_on: Mapped[dt.date] = mapped_column(Date)
    hoks_count: Mapped[int] = mapped_column(Integer)
    first_created_at: Mapped[dt.datetime] = mapped_column(Timestamp)
    last_created_at: Mapped[dt.datetime] = mapped_column(Timestamp)


class StudyRightDaily(Base):
    """Study rights per (koulutustoimija, day registered in Finnish time) (0007, by triggers)."""

    __tablename__ = "study_right_daily"
    __table_args__ = (PrimaryKeyConstraint("koulutustoimija_oid", "created_on"),)

    koulutustoimija_oid: Mapped[str] = mapped_column(String(64))
    created_on: Mapped[dt.date] = mapped_column(Date)
    study_right_count: Mapped[int] = mapped_column(Integer)


class Hoks(Base):
    """A HOKS plan: one row per study right, for ever (soft-deleted ones included)."""

    __tablename__ = "hoks"
    __table_args__ = (
        CheckConstraint("source IN ('TRANSFER', 'MANUAL')", name="source"),
        Index(None, "learner_oid"),
        Index(None, "organisation_oid", "id"),
        Index(None, "updated_at"),
        # Keyset orders of `hokses` (0004).
        Index(None, "updated_at", "id"),
        Index(None, "first_approved_on", "id"),
        # Distinct learners with a plan in force (`transferStatistics.learnerCount`, 0007).
        Index("ix_hoks_learner_oid_in_force", "learner_oid", postgresql_where=text("deleted_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    eid: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), unique=True, server_default=text("gen_random_uuid()")
    )
    study_right_oid: Mapped[str] = mapped_column(ForeignKey("study_rights.oid"), unique=True)
    learner_oid: Mapped[str] = mapped_column(ForeignKey("learners.oid"))
    organisation_oid: Mapped[str] = mapped_column(ForeignKey("organisations.oid"))
    first_approved_on: Mapped[dt.date] = mapped_column(Date)
    approved_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(Timestamp, server_default=func.now())
    revision: Mapped[int] = mapped_column(Integer, server_default="1")
    source: Mapped[str] = mapped_column(String(16))
    deleted_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    document: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # The document's PlanProgress (hoks/document/status.py), kept with every write (0012).
    progress_planned: Mapped[int] = mapped_column(Integer)
    progress_completes_on: Mapped[list[dt.date | None]] = mapped_column(ARRAY(Date))


class HoksRevision(Base):
    """One accepted write of a plan: who, when, how, and the whole document as it then stood."""

    __tablename__ = "hoks_revisions"
    __table_args__ = (
        PrimaryKeyConstraint("hoks_id", "number"),
        CheckConstraint(
            "operation IN ('CREATE', 'UPDATE', 'REPLACE', 'DELETE', 'RESTORE')", name="operation"
        ),
    )

    hoks_id: Mapped[int] = mapped_column(ForeignKey("hoks.id"))
    number: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(Timestamp, server_default=func.now())
    principal_kind: Mapped[str] = mapped_column(String(16))
    principal_id: Mapped[str] = mapped_column(String(128))
    organisation_oid: Mapped[str | None] = mapped_column(String(64))
    operation: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    document: Mapped[dict[str, Any]] = mapped_column(JSONB)
    changed_paths: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")


class AuditEvent(Base):
    """Every read of personal data and every write (who, what, whose, outcome, when)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index(None, "target_learner_oid", "at"),
        Index(None, "at"),
        # Newest-first pages of one learner's access log and of one principal's events (0004).
        Index(None, "target_learner_oid", "id"),
        Index(None, "principal_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(Timestamp, server_default=func.now())
    request_id: Mapped[str | None] = mapped_column(String(64))
    principal_kind: Mapped[str] = mapped_column(String(16))
    principal_id: Mapped[str] = mapped_column(String(128))
    # The principal's own organisation (authz/scope.py, own_organisation).
    principal_organisation_oid: Mapped[str | None] = mapped_column(String(64))
    # Whose data it was: the plan's or study right's oppilaitos.
    organisation_oid: Mapped[str | None] = mapped_column(String(64))
    # The client's name for it (or `read`); operation_id is the server's (the root fields touched).
    operation: Mapped[str] = mapped_column(String(64))
    operation_id: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))
    target_learner_oid: Mapped[str | None] = mapped_column(String(64))
    target_hoks_id: Mapped[int | None] = mapped_column(BigInteger)


class ServiceAccount(Base):
    """Palvelukäyttäjä: a provider system's account for transfers (client credentials)."""

    __tablename__ = "service_accounts"

    client_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    secret_hash: Mapped[str] = mapped_column(Text)
    # {organisation OID: ["READ", "WRITE", ...]}
    privileges: Mapped[dict[str, list[str]]] = mapped_column(JSONB, server_default="{}")
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, server_default=func.now())
    deleted_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)


class SignInThrottle(Base):
    """Wrong client secrets per (client id digest, client address): the sign-in back-off
    (auth/throttle.py). Unknown client ids are counted like known ones."""

    __tablename__ = "sign_in_throttle"
    __table_args__ = (
        PrimaryKeyConstraint("client_key", "address"),
        Index(None, "last_failure_at"),  # pruning pairs nobody tries any more
    )

    client_key: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[dt.datetime] = mapped_column(Timestamp)
    blocked_until: Mapped[dt.datetime | None] = mapped_column(Timestamp)


class TrustedDocument(Base):
    """A frontend's registered GraphQL operation, sent by its hash (issue 7, 0005)."""

    __tablename__ = "trusted_documents"

    # Lowercase hex sha256 of `document`, exactly as clients hash the text they send.
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    operation_name: Mapped[str | None] = mapped_column(Text)
    added_at: Mapped[dt.datetime] = mapped_column(Timestamp, server_default=func.now())


class RateLimitWindow(Base):
    """Requests counted per bucket (principal or client address) and fixed window (0005).

    One `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` per request, shared by every worker.
    """

    __tablename__ = "rate_limit_windows"
    __table_args__ = (
        PrimaryKeyConstraint("bucket", "window_start"),
        Index(None, "window_start"),  # pruning old windows
    )

    bucket: Mapped[str] = mapped_column(String(200))
    window_start: Mapped[dt.datetime] = mapped_column(Timestamp)
    hits: Mapped[int] = mapped_column(Integer)


class IdempotencyKey(Base):
    """A write made under an idempotency key, with its outcome for retries (0009).

    Inserted in the write's own transaction (idempotency/claims.py): it exists exactly when the
    write committed. Kept until `expires_at` (at least 24 h), then swept.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        PrimaryKeyConstraint("principal_kind", "principal_id", "key"),
        Index(None, "expires_at"),  # the sweep
    )

    principal_kind: Mapped[str] = mapped_column(String(16))
    principal_id: Mapped[str] = mapped_column(String(128))
    key: Mapped[str] = mapped_column(String(255))
    operation: Mapped[str] = mapped_column(String(64))
    """The mutation (`Mutation.createHoks`)."""
    request_hash: Mapped[str] = mapped_column(String(64))
    """sha256 (hex) of the mutation and its arguments, the key itself left out."""
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp)
    expires_at: Mapped[dt.datetime] = mapped_column(Timestamp)
