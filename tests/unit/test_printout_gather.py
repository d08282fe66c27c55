"""What the printed register reads from a real register file: the month's connections
(with the one carried over), their alerts and acknowledgements, the monitor's own
stops, and the chain's head and verify result."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from monitor.alerts.render import render
from monitor.compat import UTC
from monitor.domain.enums import AlertKind, EndReason, OutboxState, Severity
from monitor.domain.model import Alert, Session, session_id
from monitor.printout import check_chain, read_register
from monitor.printout.gather import STARTED_MARKS, STOPPED_MARKS, monitor_downtimes
from monitor.register import Register
from tests.support.printout_registers import TOKYO, local, write_month

AFTER_APRIL = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
def april(tmp_path: Path) -> tuple[Path, list[Session]]:
    path = tmp_path / "register.db"
    return path, write_month(path, 2026, 4, 12)


def test_the_month_lists_the_connection_carried_over_from_march_first(april):
    path, sessions = april
    with Register.open_readonly(path) as reg:
        month = read_register(reg, TOKYO, AFTER_APRIL).month(2026, 4)
    assert [c.session.id for c in month.connections] == [s.id for s in sessions]
    assert [c.number for c in month.connections] == list(range(1, 13))
    assert month.connections[0].session.started_at < month.start


def test_march_shows_only_the_connection_that_began_there(april):
    path, sessions = april
    with Register.open_readonly(path) as reg:
        march = read_register(reg, TOKYO, AFTER_APRIL).month(2026, 3)
    assert [c.session.id for c in march.connections] == [sessions[0].id]


def test_a_delivered_alert_and_the_button_acknowledgement_belong_to_the_clinic_connection(
    april,
):
    path, _sessions = april
    with Register.open_readonly(path) as reg:
        month = read_register(reg, TOKYO, AFTER_APRIL).month(2026, 4)
    clinic = next(c for c in month.connections if c.alerts and c.alerts[0].kind == "clinic-hours")
    (alert,) = clinic.alerts
    assert alert.state is OutboxState.DELIVERED
    assert alert.delivered_at == alert.raised_at + timedelta(seconds=40)
    (ack,) = clinic.acks
    assert (ack.by, ack.source) == ("someone", "gpio button")
    assert all(not c.acks for c in month.connections if c is not clinic)


def test_a_clean_stop_is_a_downtime_and_a_restart_after_a_power_cut_is_marked(april):
    path, _sessions = april
    with Register.open_readonly(path) as reg:
        month = read_register(reg, TOKYO, AFTER_APRIL).month(2026, 4)
    clean, cut = month.downtimes
    assert (clean.start, clean.end, clean.start_known) == (
        local(2026, 4, 10, 12, 0),
        local(2026, 4, 10, 12, 30),
        True,
    )
    assert cut.start_known is False and cut.end == local(2026, 4, 20, 10, 40)
    assert month.down_total() == timedelta(minutes=30)


def test_a_session_found_ended_after_a_crash_gives_the_stop_time(tmp_path: Path):
    t0 = local(2026, 6, 1, 9)
    seen = t0 + timedelta(hours=1)
    with Register(tmp_path / "r.db") as reg:
        _monitor(reg, t0 - timedelta(days=1), STARTED_MARKS[0])
        s = Session(
            session_id(t0),
            t0,
            frozenset({"eth0"}),
            ended_at=seen,
            end_reason=EndReason.RECOVERED,
            last_seen=seen,
        )
        reg.open_session(s)
        reg.close_session(s)
        _monitor(reg, seen + timedelta(hours=2), STARTED_MARKS[1])
        rows, sessions = reg.outbox(include_delivered=True), reg.sessions()
    (down,) = monitor_downtimes(tuple(rows), tuple(sessions), None, seen + timedelta(days=1))
    assert (down.start, down.end, down.start_known) == (seen, seen + timedelta(hours=2), True)


def test_a_stale_heartbeat_means_the_monitor_is_down_since_then(tmp_path: Path):
    t0 = local(2026, 6, 1, 9)
    with Register(tmp_path / "r.db") as reg:
        _monitor(reg, t0, STARTED_MARKS[0])
        rows = reg.outbox(include_delivered=True)
    now = t0 + timedelta(days=2)
    beat = t0 + timedelta(days=1)
    (down,) = monitor_downtimes(tuple(rows), (), beat, now)
    assert (down.start, down.end, down.ongoing) == (beat, now, True)
    assert monitor_downtimes(tuple(rows), (), now - timedelta(seconds=30), now) == []


def test_the_markers_are_in_the_bodies_the_alert_renderer_writes():
    at = datetime(2026, 6, 1, tzinfo=UTC)
    for language, index in (("ja", 0), ("en", 1)):
        for detail, marks in (("started", STARTED_MARKS), ("stopped", STOPPED_MARKS)):
            alert = Alert(AlertKind.MONITOR, Severity.INFO, at, None, detail=detail)
            _title, body = render(alert, language=language, machine="pc", zone=TOKYO)
            assert marks[index] in body


def test_the_chain_check_names_the_first_broken_record(april):
    path, _sessions = april
    with Register.open_readonly(path) as reg:
        good = check_chain(reg)
    assert good.ok and good.count == good.seq and len(good.head) == 64
    with sqlite3.connect(path) as db:
        db.execute("UPDATE permits SET staff = '別人' WHERE id = 1")
    db.close()
    with Register.open_readonly(path) as reg:
        bad = check_chain(reg)
    assert not bad.ok and bad.count is None
    assert bad.broken_record == "permits row 1" and "staff" in (bad.broken_reason or "")


def _monitor(reg: Register, at: datetime, mark: str) -> None:
    reg.enqueue_alert(Alert(AlertKind.MONITOR, Severity.INFO, at, None), "[monitor]", mark)
