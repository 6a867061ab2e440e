"""The corpus registry constants against the corpus documents themselves."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from hoks_gateway.identifiers import is_learner_oid, is_study_right_oid
from hoks_gateway.seed import corpus_registry
from tests.corpus import corpus_dir


@pytest.fixture(scope="module")
def corpus() -> dict[str, Any]:
    directory = corpus_dir()
    return {
        path.name: json.loads(path.read_text(encoding="utf-8")) for path in sorted(directory.glob("*.json"))
    }


def _values(node: Any, key: str) -> Iterator[str]:
    """Every value of `key` anywhere in a JSON document."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key and isinstance(v, str):
                yield v
            else:
                yield from _values(v, key)
    elif isinstance(node, list):
        for item in node:
            yield from _values(item, key)


def test_every_study_right_and_learner_in_the_corpus_is_registered(corpus: dict[str, Any]) -> None:
    assert corpus
    study_rights = {oid for doc in corpus.values() for oid in _values(doc, "opiskeluoikeus-oid")}
    learners = {oid for doc in corpus.values() for oid in _values(doc, "oppija-oid")}
    assert study_rights == set(corpus_registry.STUDY_RIGHTS)
    assert learners == set(corpus_registry.LEARNER_OIDS)
    assert len(corpus_registry.LEARNER_OIDS) == len(set(corpus_registry.LEARNER_OIDS))


def test_each_study_right_belongs_to_the_learner_its_document_names(corpus: dict[str, Any]) -> None:
    pairs = {doc["opiskeluoikeus-oid"]: doc["oppija-oid"] for doc in corpus.values()}
    assert pairs == corpus_registry.STUDY_RIGHTS


def test_the_tuva_rule_matches_the_tuva_document(corpus: dict[str, Any]) -> None:
    for doc in corpus.values():
        tuva = bool(doc.get("hankittavat-koulutuksen-osat"))
        assert (corpus_registry.kind_of(doc["opiskeluoikeus-oid"]) == "TUVA") == tuva


def test_the_registered_oids_are_valid() -> None:
    assert all(is_study_right_oid(oid) for oid in corpus_registry.STUDY_RIGHTS)
    assert all(is_learner_oid(oid) for oid in corpus_registry.LEARNER_OIDS)
