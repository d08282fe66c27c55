"""Issue 14: every tampering of the register file (done with sqlite3 directly) is caught
by ``verify``, by ``verify`` with the head noted before, or by the daemon's next start;
and the daemon never launders it: ``verify`` after the daemon ran still names it, or
the file was set aside and the new register's first record names it.

The register is the one a real ``Daemon`` (in this process, on test parts) left at
a clean stop: a closed session with its alerts and acknowledgement, an open one.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.register import Register, read_witness, witness_path
from tests.support.daemon_parts import START, ManualClock, Running, rig, until
from tests.support.tampering import TAMPERINGS, Tampering, daemon_left_register, register_says

#: The next start: after the base's daemon stopped (START + 1 h 10 min 30 s).
LATER = START + timedelta(hours=2)


def run(coro) -> None:
    asyncio.run(coro)


def verify_says(store: Path, anchor: tuple[int, str] | None = None) -> str:
    """Return what verify says: "" when intact, else its error."""
    return register_says(store, lambda reg: reg.verify(anchor))


def outbox(store: Path) -> list:
    with contextlib.closing(Register.open_readonly(store)) as reg:
        return reg.outbox(include_delivered=True)


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """The state folder a daemon left: register and witness."""
    state = daemon_left_register(tmp_path_factory.mktemp("base"))
    store = state / "register.db"
    assert verify_says(store) == ""
    witness = read_witness(store)
    assert witness is not None
    with contextlib.closing(Register.open_readonly(store)) as reg:
        assert reg.head() == (witness.seq, witness.hash)
        assert len(reg.sessions()) == 2 and reg.current_session() is not None
    return state


def start_daemon_on(tmp: Path) -> tuple[dict, object]:
    """Start a daemon on ``tmp/state`` with the cable still in; return its status and
    the rig once it stopped."""
    r = rig(tmp, clock=ManualClock(LATER))
    r.links.present["eth0"] = r.links.observation("eth0", True)
    status: dict = {}

    async def scenario():
        async with Running(r):
            await until(lambda: r.daemon.state.session is not None, 2, "a session")
            status.update(r.daemon.status())

    run(scenario())
    return status, r


def _check(said: str, expected: str | None, what: str) -> None:
    if expected is None or expected == "":
        assert said == "", f"{what} should pass, says: {said}"
    else:
        assert expected in said, f"{what} should say {expected!r}, says: {said!r}"


@pytest.mark.parametrize("case", TAMPERINGS, ids=lambda c: c.name)
def test_each_tampering_is_caught_and_never_laundered_by_the_daemon(
    case: Tampering, base: Path, tmp_path: Path
):
    shutil.copytree(base, tmp_path / "state")
    store = tmp_path / "state" / "register.db"
    noted = read_witness(store)
    assert noted is not None
    case.apply(store)

    _check(verify_says(store), case.verify, "verify")
    _check(verify_says(store, (noted.seq, noted.hash)), case.anchor, "verify --anchor")

    status, r = start_daemon_on(tmp_path)
    rows = outbox(store)
    integrity = [row for row in rows if ":register-" in row.key]
    if case.start is None:
        assert integrity == [], [row.key for row in integrity]
        assert not status["monitor"]["faults"]["integrity"]["failing"]
    else:
        assert [row.key.split(":")[-1].split("/")[0] for row in integrity] == [case.start]
        alert = integrity[0]
        assert str(alert.severity) == "critical"
        assert "Register head: record " in alert.body
        assert status["monitor"]["faults"]["integrity"]["failing"]
        assert status["monitor"]["register"]["events"][0]["detail"].startswith(case.start)
        assert any(case.start in title for title, _, _ in r.mailbox.mails) or any(
            "monitor" in title for title, _, _ in r.mailbox.mails
        )

    # The daemon went on: a session is open (restored or new), and it laundered nothing.
    _check(verify_says(store), case.after, "verify after the daemon ran")
    if case.start in ("register-missing", "register-empty", "register-damaged") or (
        case.start in ("register-reshaped", "register-older", "register-rewritten")
    ):
        with contextlib.closing(Register.open_readonly(store)) as reg:
            origin = reg.origin()
        assert origin is not None and origin["reason"] == case.start.removeprefix("register-")
        if case.start != "register-missing":
            kept = Path(str(origin["moved_to"]))
            assert kept.exists() and kept.parent == store.parent
            assert kept.name.startswith("register.db." + str(origin["reason"]) + "-")
    witness = read_witness(store)
    with contextlib.closing(Register.open_readonly(store)) as reg:
        assert witness is not None and (witness.seq, witness.hash) == reg.head()


def test_a_register_altered_at_start_is_not_continued_a_new_session_is_opened(
    base: Path, tmp_path: Path
):
    shutil.copytree(base, tmp_path / "state")
    store = tmp_path / "state" / "register.db"
    with contextlib.closing(Register.open_readonly(store)) as reg:
        real = reg.current_session()
    assert real is not None
    TAMPERINGS_BY_NAME["move the open session's start an hour earlier"].apply(store)

    status, _ = start_daemon_on(tmp_path)
    assert status["session"]["id"] != real.id  # a new session, not the altered one
    with contextlib.closing(Register.open_readonly(store)) as reg:
        stored = reg.session(real.id)
    assert stored is not None and stored.ended_at is None  # left as found, not closed
    assert witness_path(store).exists()


def test_a_last_seen_moved_back_is_bounded_by_the_chain(base: Path, tmp_path: Path):
    shutil.copytree(base, tmp_path / "state")
    store = tmp_path / "state" / "register.db"
    with contextlib.closing(Register.open_readonly(store)) as reg:
        real = reg.current_session()
    assert real is not None and real.last_seen is not None
    TAMPERINGS_BY_NAME["move meta.last_seen back"].apply(store)

    r = rig(tmp_path, clock=ManualClock(LATER))  # the cable was pulled meanwhile

    async def scenario():
        async with Running(r):
            await until(lambda: r.daemon.state.session is None, 2, "the session closed")

    run(scenario())
    with contextlib.closing(Register.open_readonly(store)) as reg:
        closed = reg.session(real.id)
    assert closed is not None and closed.ended_at == real.last_seen  # not start + 0.3 s
    assert closed.duration(closed.ended_at) > timedelta(seconds=29)


def test_an_alert_parked_in_9999_is_released_and_sent(base: Path, tmp_path: Path):
    shutil.copytree(base, tmp_path / "state")
    store = tmp_path / "state" / "register.db"
    TAMPERINGS_BY_NAME["claim an alert until 9999"].apply(store)
    r = rig(tmp_path, clock=ManualClock(LATER))
    r.links.present["eth0"] = r.links.observation("eth0", True)

    async def scenario():
        async with Running(r):
            # Sent in its turn: critical alerts first, one a second (the outbox's pace).
            await until(
                lambda: "[monitor] parked" in [title for title, _, _ in r.mailbox.mails],
                10,
                "the parked alert is sent",
            )

    run(scenario())
    parked = [row for row in outbox(store) if row.title == "[monitor] parked"]
    assert parked[0].delivered_at is not None


TAMPERINGS_BY_NAME = {t.name: t for t in TAMPERINGS}
