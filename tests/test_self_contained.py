"""The repository stands on its own: nothing in it points outside it for code, data or docs."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

# Where an earlier layout kept the corpus, the design and the references, beside the repository.
OUTSIDE = re.compile(r"\.\./shared|shared/(corpus|design|reference|bench)")


def test_nothing_points_outside_the_repository(repo_root: Path) -> None:
    tracked = subprocess.run(
        ["/usr/bin/git", "ls-files", "-z"], cwd=repo_root, capture_output=True, check=True
    ).stdout.decode()
    pointing = []
    for name in filter(None, tracked.split("\0")):
        path = repo_root / name
        if not path.is_file():
            continue  # deleted in the work tree, not yet committed
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary
        pointing += [f"{name}:{n}" for n, line in enumerate(text.splitlines(), 1) if OUTSIDE.search(line)]
    assert pointing == []


def test_the_corpus_and_the_docs_are_here(repo_root: Path) -> None:
    corpus = repo_root / "tests" / "fixtures" / "ehoks"
    assert len(list((corpus / "valid").glob("*.json"))) == 8
    assert "EUPL" in (corpus / "LICENSE").read_text(encoding="utf-8")
    assert "commit" in (corpus / "README.md").read_text(encoding="utf-8")
    for doc in ("ARCHITECTURE.md", "API.md", "reference/ehoks-backend.md"):
        assert (repo_root / "docs" / doc).is_file(), doc
