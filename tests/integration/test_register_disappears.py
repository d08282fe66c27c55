"""Issue 14 item 3: a register that disappears is noticed.

While the daemon runs, the file is checked at each heartbeat (deleted, replaced by
an empty file, truncated): a critical alert, and ``status`` shows it. At the next
start the witness beside the file says what is missing: a critical alert before a
new register starts, whose first record names what it replaced. The ``-wal`` of a
process killed with SIGKILL, removed afterwards, leaves an older register: the
start says so and sets it aside.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from monitor.register import Register, read_witness
from tests.support.daemon_parts import Running, rig, until

ROOT = Path(__file__).resolve().parents[2]


def run(coro) -> None:
    asyncio.run(coro)


def integrity_keys(store: Path) -> list[str]:
    with contextlib.closing(Register.open_readonly(store)) as reg:
        rows = reg.outbox(include_delivered=True)
    return [r.key.split(":")[-1].split("/")[0] for r in rows if ":register-" in r.key]


def origin(store: Path) -> dict | None:
    with contextlib.closing(Register.open_readonly(store)) as reg:
        assert reg.verify() > 0
        return reg.origin()


def _run_and_break(tmp_path: Path, breaking, expect: str) -> dict:
    """Run a daemon, break its file with ``breaking(store)`` while it runs; return the
    status once the heartbeat noticed (the alert's mail was sent)."""
    r = rig(tmp_path)
    seen: dict = {}

    async def scenario():
        async with Running(r):
            r.links.plug()
            await until(lambda: r.daemon.state.session is not None, 2, "a session")
            head = r.daemon.rt.register.head()
            await until(lambda: read_witness(r.store).seq == head[0], 2, "the witness")
            breaking(r.store)
            await until(
                lambda: r.daemon.status()["monitor"]["register"]["file"], 2, "the heartbeat check"
            )
            seen.update(r.daemon.status())
            await until(
                lambda: any(expect in body for _, body, _ in r.mailbox.mails), 3, "the alert"
            )

    run(scenario())
    mails = [(title, body, sev) for title, body, sev in r.mailbox.mails if expect in body]
    assert mails and mails[0][2] == "critical"
    assert "while the monitor ran" in mails[0][1]
    assert seen["monitor"]["faults"]["integrity"]["failing"]
    assert expect in seen["monitor"]["register"]["file"]
    return seen


def _next_start(tmp_path: Path) -> list[str]:
    r = rig(tmp_path)

    async def scenario():
        async with Running(r):
            await until(lambda: integrity_keys(r.store), 2, "the start's alert")

    run(scenario())
    return integrity_keys(r.store)


def rescued(seen: dict) -> Path:
    """Return the copy the daemon saved when it noticed, checked intact."""
    detail = seen["monitor"]["register"]["events"][-1]["detail"]
    path = Path(detail.split("was saved as ")[1])
    with contextlib.closing(Register.open_readonly(path)) as reg:
        assert reg.verify() > 5 and len(reg.sessions()) == 1
    return path


def test_the_file_deleted_while_running_is_alerted_and_the_next_start_says_it_is_missing(
    tmp_path,
):
    seen = _run_and_break(tmp_path, lambda store: store.unlink(), "was deleted")
    store = tmp_path / "state" / "register.db"
    witness = read_witness(store)
    assert witness is not None and witness.seq > 5
    copy = rescued(seen)  # what the deleted file held is not lost
    assert copy.parent == store.parent and copy.name.startswith("register.db.rescued-")
    assert _next_start(tmp_path) == ["register-missing"]
    found = origin(store)
    assert found is not None and found["reason"] == "missing"
    assert found["witness"] == str(witness)


def test_the_file_replaced_by_an_empty_one_while_running_is_alerted_and_set_aside(tmp_path):
    def replace_by_empty(store: Path) -> None:
        empty = store.with_name("empty")
        empty.touch()
        os.replace(empty, store)

    seen = _run_and_break(tmp_path, replace_by_empty, "was replaced by an empty file")
    rescued(seen)
    store = tmp_path / "state" / "register.db"
    assert store.stat().st_size == 0
    assert _next_start(tmp_path) == ["register-empty"]
    found = origin(store)
    assert found is not None and found["reason"] == "empty"
    kept = Path(str(found["moved_to"]))
    assert kept.exists() and kept.stat().st_size == 0


def test_the_file_truncated_while_running_is_alerted(tmp_path):
    _run_and_break(tmp_path, lambda store: os.truncate(store, 0), "was truncated to 0 bytes")


def test_the_wal_deleted_while_running_is_alerted_and_a_copy_saved(tmp_path):
    seen = _run_and_break(tmp_path, lambda store: Path(f"{store}-wal").unlink(), "-wal was deleted")
    rescued(seen)


CHILD = """
import sys, time
from datetime import datetime
from monitor.compat import UTC
from monitor.domain.model import Transition
from monitor.register import open_for_daemon
from tests.support.register import T0, fill

reg = open_for_daemon(sys.argv[1], datetime.now(UTC)).register
fill(reg, 3)
reg._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the first three days in the file
for i in range(10):                                   # these only in the -wal
    reg.record_transition(Transition("machine", None, "idle", f"step {i}", T0))
reg.note_witness(datetime.now(UTC))
print("ready", reg.head()[0], flush=True)
time.sleep(60)
"""


def test_the_wal_removed_after_a_kill_9_leaves_an_older_register_that_the_start_sets_aside(
    tmp_path,
):
    store = tmp_path / "state" / "register.db"
    store.parent.mkdir()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(store)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline().split()
        assert line[0] == "ready"
        head = int(line[1])
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    wal = Path(f"{store}-wal")
    assert wal.stat().st_size > 0
    wal.unlink()
    with contextlib.closing(Register.open_readonly(store)) as reg:
        assert 0 < reg.verify() < head  # consistent, and older: verify alone cannot tell
    assert _next_start(tmp_path) == ["register-older"]
    found = origin(store)
    assert found is not None and found["reason"] == "older"
    assert f"the witness saw {head}:" in str(found["detail"])
    assert Path(str(found["moved_to"])).exists()
