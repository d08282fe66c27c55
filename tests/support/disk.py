"""A small real filesystem that a test can fill up: a tmpfs mounted on a folder.

    with SmallDisk(tmp_path / "disk", size="4m") as disk:   # unmounted on exit, always
        filler = disk.fill()      # write until the filesystem says ENOSPC
        filler.unlink()           # space again

Only root can mount: ``require_root_for_mount`` is a pytest skip with the reason.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from monitor.compat import Self

require_root_for_mount = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("mount") is None,
    reason="needs root to mount a small tmpfs (a disk the test can fill up)",
)


class SmallDisk:
    """A tmpfs of ``size`` (mount's syntax: "4m") on ``path``, which is created."""

    def __init__(self, path: Path, size: str = "4m"):
        self.path = Path(path)
        self.size = size
        self._mounted = False

    def __enter__(self) -> Self:
        self.path.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "mount",
                "-t",
                "tmpfs",
                "-o",
                f"size={self.size},mode=0755",
                "lm-test-disk",
                str(self.path),
            ],
            check=True,
        )
        self._mounted = True
        return self

    def __exit__(self, *exc) -> None:
        self.unmount()

    def unmount(self) -> None:
        if not self._mounted:
            return
        done = subprocess.run(["umount", str(self.path)], check=False, capture_output=True)
        if done.returncode != 0:  # still busy (a process that would not die): detach it
            subprocess.run(["umount", "-l", str(self.path)], check=False)
        self._mounted = False

    def fill(self) -> Path:
        """Write a file until the filesystem says ENOSPC; return it (unlink it to free)."""
        filler = self.path / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            for chunk in (1 << 16, 1 << 12, 1):
                block = b"\0" * chunk
                while True:
                    try:
                        os.write(fd, block)
                    except OSError as exc:
                        if exc.errno != errno.ENOSPC:
                            raise
                        break
        finally:
            os.close(fd)
        if os.statvfs(self.path).f_bavail != 0:
            raise AssertionError(f"{self.path} still has space after filling it")
        return filler
