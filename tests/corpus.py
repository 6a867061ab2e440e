"""The real eHOKS example documents (shared/corpus/ehoks/valid), beside the repository.

The tests need them; a missing corpus is a broken checkout, so it fails loudly, never skips.
HOKS_CORPUS_DIR points elsewhere when the layout differs.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "ehoks" / "valid"


def corpus_dir() -> Path:
    directory = Path(os.environ.get("HOKS_CORPUS_DIR", DEFAULT))
    if not (directory / "hoksit.json").is_file():
        raise FileNotFoundError(
            f"the eHOKS corpus is not at {directory}: check out shared/ beside the repository "
            "or set HOKS_CORPUS_DIR"
        )
    return directory


def load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((corpus_dir() / name).read_text(encoding="utf-8"))
    return document
