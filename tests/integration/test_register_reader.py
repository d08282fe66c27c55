"""A member of the service group reads the register as `log`, `export` and `verify` do:
neither root nor the owner, with the modes the service leaves (folder 0750, files
0640 under UMask=0027), while the daemon writes and after it has stopped.

Real permissions: each side is a forked child of the test that drops to its own
uid/gid (``setgid``/``setuid``; root would bypass every mode). Forked rather than
exec'd, because the interpreter of a venv may live where those ids cannot reach.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from monitor.compat import UTC
from monitor.domain.model import Session
from monitor.register import Register

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="needs root to run processes as other users"
)

SERVICE_UID, SERVICE_GID, STAFF_UID = 64242, 64243, 64244
T0 = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)


def _child(uid: int, gid: int, fn, *, umask: int = 0o027) -> tuple[int, int, int]:
    """Fork a child running ``fn()`` as ``uid``/``gid``; return (pid, result fd,
    command fd): it writes its JSON result, then waits for a byte on the command fd
    before it exits (so a writer can stay open while someone reads)."""
    result_r, result_w = os.pipe()
    cmd_r, cmd_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 0
        try:
            os.close(result_r)
            os.close(cmd_w)
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            os.umask(umask)
            with fn() as value:
                os.write(result_w, json.dumps({"ok": value}).encode())
                os.close(result_w)
                os.read(cmd_r, 1)
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            with_error = json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode()
            try:
                os.write(result_w, with_error)
            except OSError:
                code = 1
        finally:
            os._exit(code)
    os.close(result_w)
    os.close(cmd_r)
    return pid, result_r, cmd_w


def _result(fd: int) -> dict:
    data = b""
    while chunk := os.read(fd, 65536):
        data += chunk
        if data.endswith(b"}"):
            break
    return json.loads(data)


def _finish(pid: int, result_fd: int, cmd_fd: int) -> None:
    with contextlib.suppress(BrokenPipeError):  # it ended already (after an error)
        os.write(cmd_fd, b"x")
    os.close(cmd_fd)
    os.close(result_fd)
    os.waitpid(pid, 0)


def as_user(uid: int, gid: int, fn) -> dict:
    """Run ``fn`` (a context manager factory) as uid/gid in a child; return its result."""
    pid, result_fd, cmd_fd = _child(uid, gid, fn)
    try:
        return _result(result_fd)
    finally:
        _finish(pid, result_fd, cmd_fd)


class _Writer:
    """The daemon's side: the register opened for writing, one session recorded."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        self.reg = Register(self.path)
        if not self.reg.sessions():
            self.reg.open_session(Session(id="S1", started_at=T0, interfaces=frozenset({"eth0"})))
        return sorted(os.listdir(self.path.parent))

    def __exit__(self, *exc):
        self.reg.close()


class _Reader:
    """The staff's side: what `log` and `verify` do."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        with Register.open_readonly(self.path) as reg:
            return {
                "sessions": [s.id for s in reg.sessions(since=T0 - timedelta(days=1))],
                "records": reg.verify(),
            }

    def __exit__(self, *exc):
        return False


@pytest.fixture
def store():
    # Not under pytest's tmp_path: its parents are root-only (0700).
    top = Path(tempfile.mkdtemp(prefix="lm-reader-"))
    try:
        top.chmod(0o755)
        folder = top / "state"  # as StateDirectory= makes it
        folder.mkdir()
        os.chown(folder, SERVICE_UID, SERVICE_GID)
        folder.chmod(0o750)
        yield folder / "register.db"
    finally:
        shutil.rmtree(top)


def test_a_group_member_reads_the_register_while_the_daemon_writes_and_after_it_stopped(store):
    pid, result_fd, cmd_fd = _child(SERVICE_UID, SERVICE_GID, lambda: _Writer(store))
    try:
        files = _result(result_fd)
        assert files == {"ok": ["register.db", "register.db-shm", "register.db-wal"]}
        assert oct(store.stat().st_mode & 0o777) == "0o640"
        assert store.stat().st_uid == SERVICE_UID
        while_running = as_user(STAFF_UID, SERVICE_GID, lambda: _Reader(store))
    finally:
        _finish(pid, result_fd, cmd_fd)  # a clean stop: SQLite removes -wal and -shm
    assert sorted(p.name for p in store.parent.iterdir()) == ["register.db"]
    after_stop = as_user(STAFF_UID, SERVICE_GID, lambda: _Reader(store))
    assert (
        while_running
        == after_stop
        == {"ok": {"sessions": ["S1"], "records": while_running["ok"]["records"]}}
    )
    assert while_running["ok"]["records"] >= 2  # the schema record and the session


def test_someone_outside_the_group_is_told_plainly_that_they_may_not_read_it(store):
    as_user(SERVICE_UID, SERVICE_GID, lambda: _Writer(store))
    other = as_user(STAFF_UID, STAFF_UID, lambda: _Reader(store))
    assert other == {
        "error": f"RegisterDenied: {store}: permission denied (the register may "
        "be read by root and by members of the service's group)"
    }
