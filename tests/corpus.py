"""The real eHOKS example documents, kept with the tests (tests/fixtures/ehoks, see its README)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CORPUS_DIR = Path(__file__).resolve().parent / "fixtures" / "ehoks" / "valid"


def corpus_dir() -> Path:
    return CORPUS_DIR


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((CORPUS_DIR / name).read_text(encoding="utf-8"))
    return document
