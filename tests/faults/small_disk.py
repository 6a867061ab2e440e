"""A really full disk for a test's own PostgreSQL: a tablespace on a small tmpfs (mounted here,
as root) that the test fills up, so PostgreSQL itself reports SQLSTATE 53100 when a table in it
must grow. The server's WAL stays on its data directory, as on a server whose data disk (not its
WAL disk) is full."""

from __future__ import annotations

import errno
import os
import pwd
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHUNK = b"\0" * 65536


@contextmanager
def small_disk(where: Path, owner: str, size: str = "1m") -> Iterator[Path]:
    """A tmpfs of `size` at `where`, with a directory `owner` (the server's user) may use."""
    where.mkdir(parents=True)
    subprocess.run([_tool("mount"), "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], check=True)
    try:
        space = where / "tablespace"
        space.mkdir()
        user = pwd.getpwnam(owner)
        os.chown(space, user.pw_uid, user.pw_gid)
        yield space
    finally:
        subprocess.run([_tool("umount"), "--lazy", str(where)], check=True)


def fill(disk: Path) -> Path:
    """Write a filler file until the filesystem has no space left; returns it (delete to free)."""
    filler = disk.parent / "filler"
    with filler.open("wb") as out:
        try:
            while True:
                out.write(CHUNK)
                out.flush()
        except OSError as error:
            if error.errno != errno.ENOSPC:
                raise
    return filler


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path is not None, f"{name} is needed to make a small filesystem"
    return path
