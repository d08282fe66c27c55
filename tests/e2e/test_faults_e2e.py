"""Fault injection, end to end: one failing effect is logged, raised as a ``monitor``
alert where possible, and never stops the monitoring itself (the daemon issue).

``link-monitor run`` runs as a subprocess inside a network namespace (a veth pair is
the cable), with gpiozero's mock pins and a real SMTP server on the namespace's
loopback, as in test_daemon_e2e.py. The faults are real too:

- disk full: the register lives on a small tmpfs the test mounts, then fills;
- indicator: the daemon drives the indicator box over a real pty, which the test
  unplugs (the device vanishes) and plugs back in.

SMTP down is test_daemon_e2e.py's outbox scenario.
"""

from __future__ import annotations

import contextlib
import json
from datetime import datetime
from pathlib import Path

import pytest

from monitor.compat import UTC
from monitor.register import Register
from tests.support.daemon import LATER, NOW, Monitor, daemon_config, hours, smtp_alerts, until
from tests.support.disk import SmallDisk
from tests.support.netns import cable_fixture, require_root
from tests.support.ptyport import PtyPort
from tests.support.smtp_sink import SmtpSink

pytestmark = [require_root, pytest.mark.netns]

DISK_SIZE = "4m"


def config_text(tmp: Path, store: Path, smtp_url: str, *, indicator: str = 'kind = "auto"') -> str:
    return daemon_config(
        tmp,
        clinic=hours(*NOW),
        maintenance=hours(*LATER),
        indicator=indicator,
        alerts=smtp_alerts(smtp_url, language="en", machine="fault-receipt-pc"),
        store=store,
    )


ns = cable_fixture("lmf")


@pytest.fixture
def smtp(tmp_path, ns):
    sink = SmtpSink(tmp_path / "mail", netns=ns.name)
    try:
        yield sink.start()
    finally:
        sink.stop()


@pytest.fixture
def monitors():
    """Every daemon a test starts; each is stopped (SIGTERM, then SIGKILL) at the end."""
    started: list[Monitor] = []
    try:
        yield started
    finally:
        for m in started:
            code = m.stop()
            if code not in (0, None, -9):
                print(m.log())


@pytest.fixture
def small_disk(tmp_path):
    with SmallDisk(tmp_path / "disk", size=DISK_SIZE) as disk:
        yield disk


def mails(smtp: SmtpSink, kind: str) -> list:
    return [m for m in smtp.messages() if str(m["subject"]).startswith(f"[{kind}]")]


# ------------------------------------------------------------------------- disk full


def test_a_full_disk_under_the_register_never_stops_monitoring_and_loses_nothing(
    tmp_path, ns, smtp, small_disk, monitors
):
    store = small_disk.path / "register.db"
    config = tmp_path / "config.toml"
    config.write_text(config_text(tmp_path, store, smtp.url))
    m = Monitor(ns, config, tmp_path)
    monitors.append(m)
    m.start()
    smtp.wait_for(lambda ms: mails(smtp, "monitor"), 5, "the start notice")
    until(lambda: m.status()["outbox"]["pending"] == 0, 5, "the start notice recorded as sent")
    assert not m.fault("register")["failing"]

    filler = small_disk.fill()
    full_from = datetime.now(UTC)
    ns.plug("peer0")
    until(lambda: m.pattern_is("alarm"), 1.0, "the lamp follows the cable with the disk full")
    fault = until(
        lambda: (f := m.fault("register"))["failing"] and f, 5, "status shows the register fault"
    )
    assert "disk is full" in fault["last_error"]  # the cause, not a follow-on error
    out = m.cli("status", "--json")  # what the administrator sees
    assert out.returncode == 0, out.stderr
    st = json.loads(out.stdout)
    assert st["pattern"] == "alarm" and st["monitor"]["faults"]["register"]["failing"]
    assert st["monitor"]["unsaved_writes"] >= 1
    out = m.cli("status")
    assert out.returncode == 0 and "Faults: register" in out.stdout, out.stdout + out.stderr
    until(
        lambda: [a["kind"] for a in m.status()["session"]["alerts"]] == ["clinic-hours"],
        3,
        "the clinic-hours alert is raised after settle, the disk still full",
    )
    ns.unplug("peer0")
    until(lambda: m.pattern_is("off"), 1.0, "the lamp goes off with the disk full")
    until(lambda: m.status()["session"] is None, 2, "the session closes after settle")
    # Keep the disk full through two retries: they back off (1 s, 2 s), log one line each
    # and a traceback only for the first error of the episode.
    until(lambda: m.fault("register")["errors"] >= 3, 8, "two retries while the disk is full")
    assert m.status()["monitor"]["unsaved_writes"] >= 6  # events, session, alerts, ...
    assert m.alive()
    log = m.log()
    failed = [ln for ln in log.splitlines() if "monitor.daemon: register:" in ln]
    assert 3 <= len(failed) <= 4, failed  # one line per retry, not a loop
    assert "disk is full" in failed[0] and "write(s) waiting" in failed[0]
    assert log.count("Traceback") == 1, log
    assert not mails(smtp, "clinic-hours")  # it waits in memory, behind the failing write

    full_until = datetime.now(UTC)
    filler.unlink()
    until(
        lambda: m.status()["monitor"]["unsaved_writes"] == 0,
        20,
        "the queued writes are flushed once there is space again (next retry <= 4 s)",
    )
    assert not m.fault("register")["failing"]
    assert "register works again" in m.log()
    assert m.pattern_is("off")

    smtp.wait_for(
        lambda ms: mails(smtp, "resolved"), 10, "the alerts raised while the disk was full leave"
    )
    [notice] = [x for x in mails(smtp, "monitor") if "register" in x.get_content()]
    assert "disk is full" in notice.get_content()
    assert len(mails(smtp, "clinic-hours")) == 1

    out = m.cli("verify")
    assert out.returncode == 0, out.stdout + out.stderr
    with contextlib.closing(Register.open_readonly(store)) as reg:
        [session] = reg.sessions()
        events = [(e.online, e.at) for e in reg.link_events()]
    # The session that began and ended while the disk was full, whole.
    assert full_from < session.started_at < session.ended_at < full_until
    assert session.end_reason == "unplugged"
    assert [str(a.kind) for a in session.alerts] == ["clinic-hours", "resolved"]
    assert [online for online, at in events if at > full_from] == [True, False]


# ------------------------------------------------------------------------- indicator


@pytest.fixture
def box_port(tmp_path):
    """A real pty standing in for the indicator box's USB serial port."""
    port = PtyPort(tmp_path)
    try:
        yield port
    finally:
        port.unplug()


def is_pattern(pattern: str):
    def match(line: bytes) -> bool:
        msg = json.loads(line)
        return msg.get("t") == "pattern" and msg["pattern"] == pattern

    return match


def indicator_fault_alerts(store: Path) -> list:
    """Return the outbox rows (sent or not) of ``monitor`` alerts about the box."""
    with contextlib.closing(Register.open_readonly(store)) as reg:
        return [
            r
            for r in reg.outbox(include_delivered=True)
            if str(r.kind) == "monitor" and "indicator box disconnected" in r.body
        ]


def test_an_indicator_box_that_vanishes_is_alerted_once_and_monitoring_goes_on(
    tmp_path, ns, smtp, box_port, monitors
):
    store = tmp_path / "state" / "register.db"
    config = tmp_path / "config.toml"
    config.write_text(
        config_text(tmp_path, store, smtp.url, indicator=f'kind = "box"\nport = "{box_port.path}"')
    )
    m = Monitor(ns, config, tmp_path)
    monitors.append(m)
    m.start()
    box_port.wait_line(is_pattern("off"), timeout=5)
    smtp.wait_for(lambda ms: mails(smtp, "monitor"), 5, "the start notice")
    assert not m.fault("indicator")["failing"]

    box_port.unplug()  # the USB cable of the box is pulled: the device vanishes
    fault = until(
        lambda: (f := m.fault("indicator"))["failing"] and f, 5, "status shows the indicator fault"
    )
    assert "indicator box disconnected" in fault["last_error"]
    assert m.status()["indicator"]["connected"] is False
    until(lambda: indicator_fault_alerts(store), 2, "an indicator-fault alert in the outbox")

    ns.plug("peer0")
    until(lambda: m.pattern_is("alarm"), 1.0, "status follows the cable without the box")
    # Handing the new pattern to the (unreachable) box does not end the fault.
    assert m.fault("indicator")["failing"], m.log()

    def fault_notices(_msgs) -> list:
        return [x for x in mails(smtp, "monitor") if "lamp / buzzer" in x.get_content()]

    smtp.wait_for(fault_notices, 5, "the indicator-fault notice is mailed")
    [notice] = fault_notices(None)
    assert "indicator box disconnected" in notice.get_content()
    smtp.wait_for(lambda ms: mails(smtp, "clinic-hours"), 5, "the clinic-hours mail")
    until(
        lambda: str(m.status()["indicator"]["last_error"]).startswith("cannot open"),
        5,
        "the daemon has tried to reopen the port, in vain",
    )
    out = m.cli("status")
    assert out.returncode == 0 and "Faults: indicator" in out.stdout, out.stdout + out.stderr

    box_port.plug()  # back in: the box gets the current pattern at once, the fault clears
    box_port.wait_line(is_pattern("alarm"), timeout=15)
    until(lambda: not m.fault("indicator")["failing"], 5, "the indicator fault clears")
    assert m.status()["indicator"]["connected"] is True
    ns.unplug("peer0")
    box_port.wait_line(is_pattern("off"), timeout=2)
    assert m.alive()

    assert len(indicator_fault_alerts(store)) == 1  # once per episode, not per retry
    log = m.log()
    assert log.count("ERROR   monitor.daemon: indicator: indicator box disconnected") == 1, log
    assert "monitor.daemon: indicator: indicator box reconnected" in log
