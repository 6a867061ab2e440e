"""CPU seconds a server process and its descendants have used (Linux /proc), so that a
measurement can say how much CPU each request cost the server: unlike requests/s, that figure
barely moves with the rest of the machine's load."""

from __future__ import annotations

import os
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces: the fields after it follow its closing ')'.
    return text[text.rindex(")") + 2 :].split()


def tree_cpu_s(pid: int) -> float:
    """User + system CPU seconds of `pid` and every living descendant (workers of a supervisor)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = int(fields[1])
    tree = {pid}
    grew = True
    while grew:
        grew = False
        for child, parent in parents.items():
            if parent in tree and child not in tree:
                tree.add(child)
                grew = True
    total = 0
    for member in tree:
        fields = _stat(member)
        if fields is not None:
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / _TICKS
