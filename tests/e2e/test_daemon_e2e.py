"""End to end: ``link-monitor run`` as a subprocess inside a network namespace the test
creates (a veth pair is the cable), a real SMTP server on the namespace's loopback,
gpiozero's mock pins. Each test builds its own namespace and cleans everything up.

Deadlines are polls (``until``): the test moves on as soon as the condition holds.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from monitor.control import request
from monitor.errors import ControlError
from tests.support.cli import command, env
from tests.support.daemon import LATER, NOW, Monitor, daemon_config, hours, smtp_alerts, until
from tests.support.netns import Netns, cable, require_root
from tests.support.smtp_sink import SmtpSink

pytestmark = [require_root, pytest.mark.netns]


def config_text(
    tmp: Path,
    smtp_url: str,
    *,
    clinic=NOW,
    maintenance=LATER,
    max_session: str = "2h",
    remind_every: str = "30m",
) -> str:
    return daemon_config(
        tmp,
        clinic=hours(*clinic),
        maintenance=hours(*maintenance),
        indicator='kind = "auto"',
        alerts=smtp_alerts(smtp_url, language="ja", machine="e2e-receipt-pc"),
        extra=f'\n[limits]\nmax_session = "{max_session}"\nremind_every = "{remind_every}"\n',
    )


class World:
    def __init__(self, tmp: Path, ns: Netns, smtp: SmtpSink):
        self.tmp, self.ns, self.smtp = tmp, ns, smtp
        self.config = tmp / "config.toml"
        self.monitor: Monitor | None = None

    def configure(self, **kw) -> None:
        self.config.write_text(config_text(self.tmp, self.smtp.url, **kw))

    def start(self, **kw) -> Monitor:
        if not self.config.exists() or kw:
            self.configure(**kw)
        self.monitor = Monitor(self.ns, self.config, self.tmp).start()
        return self.monitor

    def plug(self) -> None:
        self.ns.plug("peer0")

    def unplug(self) -> None:
        self.ns.unplug("peer0")

    def mails(self, kind: str) -> list:
        return [m for m in self.smtp.messages() if str(m["subject"]).startswith(f"[{kind}]")]

    def log_json(self) -> list[dict]:
        out = self.monitor.cli("log", "--json")
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)


@pytest.fixture
def world(tmp_path):
    with cable("lmd") as ns:
        smtp = SmtpSink(tmp_path / "mail", netns=ns.name)
        w = None
        try:
            smtp.start()
            w = World(tmp_path, ns, smtp)
            yield w
        finally:
            if w is not None and w.monitor is not None:
                code = w.monitor.stop()
                if code not in (0, None, -9):
                    print(w.monitor.log())
            smtp.stop()


def plugged_with_alarm(w: World) -> dict:
    """Plug the cable during clinic hours; return the status once the alarm shows."""
    t0 = time.monotonic()
    w.plug()
    until(lambda: w.monitor.pattern_is("alarm"), 1.0, "alarm within 1 s of plugging in")
    assert time.monotonic() - t0 < 1.0
    return w.monitor.status()


# ------------------------------------------------------------------------- scenarios


def test_plugging_in_during_clinic_hours_sounds_the_alarm_and_mails_once(world):
    m = world.start()
    out = m.cli("status", "--json")
    assert out.returncode == 0, out.stderr
    st = json.loads(out.stdout)
    assert st["online"] is False
    assert st["pattern"] == "off"
    assert st["period"] == "clinic"
    assert st["session"] is None
    assert st["interfaces"]["eth0"]["state"] == "offline"

    st = plugged_with_alarm(world)
    assert st["online"] is True
    assert st["session"]["interfaces"] == ["eth0"]
    assert st["indicator"]["pattern"] == "alarm"  # the indicator's own, real state
    mails = world.smtp.wait_for(
        lambda ms: world.mails("clinic-hours"), 5, "a [clinic-hours] mail within 5 s"
    )
    assert len(world.mails("clinic-hours")) == 1
    body = next(x for x in mails if str(x["subject"]).startswith("[clinic-hours]"))
    assert "eth0" in body.get_content()


def test_kill_9_and_restart_continues_the_same_session_without_a_second_mail(world):
    m = world.start()
    before = plugged_with_alarm(world)["session"]
    world.smtp.wait_for(lambda ms: world.mails("clinic-hours"), 5, "the first mail")
    m.kill9()
    assert not m.alive()

    m = world.start()
    st = m.status()
    assert st["pattern"] == "alarm"
    assert st["session"]["id"] == before["id"]
    assert st["session"]["started_at"] == before["started_at"]
    assert "clinic-hours" in st["session"]["verdicts"]
    # The restarted monitor's own "started" notice proves its outbox runs; a duplicate
    # clinic-hours alert would have been raised right after link.settle (200 ms).
    world.smtp.wait_for(lambda ms: len(world.mails("monitor")) >= 2, 5, "second start notice")
    until(
        lambda: m.status()["session"]["duration_s"] > before["duration_s"] + 1.0,
        5,
        "the restored session runs on past settle",
    )
    assert len(world.mails("clinic-hours")) == 1
    [session] = [s for s in world.log_json() if s["id"] == before["id"]]
    assert [a["kind"] for a in session["alerts"]].count("clinic-hours") == 1


def test_unplugging_turns_the_lamp_off_at_once_and_mails_resolved(world):
    m = world.start()
    plugged_with_alarm(world)
    world.smtp.wait_for(lambda ms: world.mails("clinic-hours"), 5, "the clinic-hours mail")
    t0 = time.monotonic()
    world.unplug()
    until(lambda: m.pattern_is("off"), 1.0, "lamp off within 1 s of unplugging")
    assert time.monotonic() - t0 < 1.0
    world.smtp.wait_for(lambda ms: world.mails("resolved"), 5, "a [resolved] mail")
    until(lambda: m.status()["session"] is None, 2, "the session closes after settle")
    [session] = world.log_json()
    assert session["end_reason"] == "unplugged"
    assert session["ended_at"] is not None


def test_an_alert_waits_in_the_outbox_while_smtp_is_down_and_leaves_when_it_is_back(world):
    m = world.start()
    world.smtp.wait_for(lambda ms: world.mails("monitor"), 5, "the start notice")
    world.smtp.stop()
    plugged_with_alarm(world)
    st = until(
        lambda: (s := m.status())["outbox"]["pending"] >= 1 and s["outbox"]["last_error"] and s,
        5,
        "the alert waits with its error",
    )
    assert st["pattern"] == "alarm"
    assert not world.mails("clinic-hours")
    world.smtp.start()
    world.smtp.wait_for(
        lambda ms: world.mails("clinic-hours"),
        5,
        "the waiting alert leaves once SMTP is back, with no action",
    )
    until(lambda: m.status()["outbox"]["pending"] == 0, 5, "outbox empty")
    assert len(world.mails("clinic-hours")) == 1


def test_an_overdue_session_in_a_maintenance_window_warns_mails_and_reminds(world):
    m = world.start(clinic=LATER, maintenance=NOW, max_session="2s", remind_every="1s")
    world.plug()
    until(lambda: m.pattern_is("on"), 1.0, "steady lamp in a maintenance window")
    until(lambda: m.pattern_is("warn"), 5, "slow blink once max_session has passed")
    world.smtp.wait_for(lambda ms: world.mails("overdue"), 5, "an [overdue] mail")
    world.smtp.wait_for(
        lambda ms: len(world.mails("overdue")) >= 3, 8, "two reminders, one every remind_every"
    )
    subjects = [str(x["subject"]) for x in world.mails("overdue")]
    assert "リマインダー 1" in subjects[1] and "リマインダー 2" in subjects[2]
    assert not world.mails("clinic-hours")


def test_a_permit_granted_through_the_cli_is_recorded_with_the_granting_user(world):
    m = world.start(clinic=LATER, maintenance=NOW)
    out = m.cli(
        "permit",
        "--purpose",
        "fee-update",
        "--company",
        "医療システム株式会社",
        "--staff",
        "山田 太郎",
        "--for",
        "1h",
        "--note",
        "点数表の更新",
    )
    assert out.returncode == 0, out.stderr
    assert "医療システム株式会社" in out.stdout
    world.plug()
    until(lambda: m.pattern_is("on"), 1.0, "steady lamp")
    st = m.status()
    assert st["session"]["permit"]["staff"] == "山田 太郎"
    [session] = world.log_json()
    permit = session["permit"]
    assert permit["purpose"] == "fee-update"
    assert permit["company"] == "医療システム株式会社"
    assert permit["staff"] == "山田 太郎"
    assert permit["granted_by"] == "root"  # SO_PEERCRED of the CLI process
    assert permit["note"] == "点数表の更新"


def test_verify_passes_and_bad_requests_or_a_broken_reload_leave_the_daemon_running(world):
    m = world.start()
    plugged_with_alarm(world)
    world.unplug()
    until(lambda: m.pattern_is("off"), 1.0, "off")

    # Garbage, an unknown command, an oversized line, a silent half-open client.
    def raw(data: bytes) -> bytes:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            s.connect(str(m.socket))
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                s.sendall(data)
            return s.recv(65536)

    assert b'"ok": false' in raw(b"\x00\xff garbage\n")
    assert b"unknown command" in raw(b'{"cmd": "shutdown"}\n')
    assert b"request too long" in raw(b'{"cmd": "status", "x": "' + b"x" * 100_000 + b'"}\n')
    idle = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    idle.connect(str(m.socket))
    idle.sendall(b'{"cmd": "sta')
    bad_permit = m.cli(
        "permit", "--purpose", "other", "--company", "", "--staff", "x", "--note", "n"
    )
    assert bad_permit.returncode == 1
    assert "company" in bad_permit.stderr
    assert m.status()["ok"] is True
    idle.close()

    good = world.config.read_text()
    world.config.write_text(good.replace('max_session = "2h"', 'max_session = "forever"'))
    out = m.cli("reload")  # the CLI checks the file first and says why
    assert out.returncode == 2
    assert "limits.max_session" in out.stderr
    assert "今の設定のまま" in out.stderr
    assert "Traceback" not in out.stderr
    with pytest.raises(ControlError, match="limits.max_session"):  # the daemon refuses too
        request(m.socket, {"cmd": "reload"})
    m.proc.send_signal(signal.SIGHUP)  # the same through the signal
    until(
        lambda: m.log().count("reload rejected") >= 2,
        5,
        "SIGHUP with a broken config is rejected too",
    )
    # An apprise URL is checked by the daemon's child process (monitor.jobs).
    world.config.write_text(good.replace('urls = ["', 'urls = ["nosuchscheme://x", "'))
    with pytest.raises(ControlError, match=r"alerts\.urls.*nosuchscheme"):
        request(m.socket, {"cmd": "reload"})
    assert m.alive()
    assert m.status()["monitor"]["config"] == str(world.config)
    world.config.write_text(good)
    out = m.cli("reload")
    assert out.returncode == 0, out.stderr

    out = m.cli("verify")
    assert out.returncode == 0, out.stdout + out.stderr
    assert m.alive()


def test_the_client_commands_say_plainly_when_the_daemon_is_not_running(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[control]\nsocket = "{tmp_path}/none.sock"\n[store]\npath = "{tmp_path}/r.db"\n'
    )
    for args in (
        ["status"],
        ["status", "--json"],
        ["ack"],
        ["reload"],
        ["permit", "--purpose", "other", "--company", "c", "--staff", "s", "--note", "n"],
    ):
        out = subprocess.run(
            [*command(), *args, "--config", str(cfg)],
            capture_output=True,
            text=True,
            timeout=30,
            env=env(),
            check=False,
        )
        assert out.returncode == 1
        assert out.stderr.strip() == (
            f"link-monitor は動いていません（{tmp_path}/none.sock にソケットがありません）"
        )


def test_run_refuses_an_invalid_config_with_every_problem(tmp_path):
    # The country and the apprise URL are checked by the start-up child process
    # (monitor.jobs), the rest here: one list either way.
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        '[limits]\nmax_session = "soon"\n[link]\nsettle = -1\n'
        '[calendar]\ncountry = "XX"\n[alerts]\nurls = ["nosuchscheme://x"]\n'
    )
    out = subprocess.run(
        [*command(), "run", "--config", str(cfg)],
        capture_output=True,
        text=True,
        timeout=30,
        env=env(),
        check=False,
    )
    assert out.returncode == 2
    for path in ("limits.max_session", "link.settle", "calendar.country", "alerts.urls"):
        assert f"  {path}: " in out.stderr
    assert "Traceback" not in out.stderr


def test_a_second_daemon_on_the_same_socket_refuses_to_start(world):
    m = world.start()
    second = subprocess.run(
        ["ip", "netns", "exec", world.ns.name, *command(), "run", "--config", str(world.config)],
        capture_output=True,
        text=True,
        timeout=30,
        env=m.env,
        check=False,
    )
    assert second.returncode == 1
    assert "another link-monitor is running" in second.stderr
    assert m.status()["ok"] is True


def test_sigterm_stops_cleanly_and_leaves_the_session_open_for_a_restart(world):
    m = world.start()
    before = plugged_with_alarm(world)["session"]
    assert m.stop() == 0
    assert not m.socket.exists()
    assert "stopped" in m.log()
    [session] = world.log_json()
    assert session["ended_at"] is None  # a restart continues it
    assert session["last_seen"] is not None
    m = world.start()
    assert m.status()["session"]["started_at"] == before["started_at"]
    assert os.path.exists(m.socket)


def test_a_session_whose_cable_was_pulled_while_the_monitor_was_down_ends_at_last_seen(world):
    m = world.start()
    plugged_with_alarm(world)
    world.smtp.wait_for(lambda ms: world.mails("clinic-hours"), 5, "the clinic-hours mail")
    m.kill9()
    [before] = world.log_json()
    world.unplug()
    time.sleep(1.0)  # the monitor is down a while
    m = world.start()
    until(lambda: m.status()["session"] is None, 2, "the restored session is closed")
    assert m.pattern_is("off")
    [session] = world.log_json()
    assert session["id"] == before["id"]
    assert session["end_reason"] == "ended-while-monitor-down"
    assert session["ended_at"] is not None
    world.smtp.wait_for(lambda ms: world.mails("resolved"), 5, "a [resolved] mail")
    assert len(world.mails("clinic-hours")) == 1
    # Issue 15: what people read says the monitor died and when it was blind, and gives
    # the end as a range, not a precise time with a false cause.
    assert session["ended_by"] is not None and session["ended_by"] > session["ended_at"]
    world.smtp.wait_for(lambda ms: len(world.mails("monitor")) >= 2, 5, "the second start notice")
    restart = world.mails("monitor")[-1].get_content()
    assert "監視を開始しました。前回は正常に停止していません（強制終了・停電など）。" in restart
    assert "接続を検知できていませんでした。" in restart and "重要度: 警告" in restart
    resolved = world.mails("resolved")[-1].get_content()
    assert resolved.startswith("警告のあったネットワーク接続が、監視プログラムの停止中に終了")
    assert "LANケーブルが外されました" not in resolved
    assert "の間（監視プログラムの停止中のため正確な時刻は不明）" in resolved
    out = m.cli("log")
    assert out.returncode == 0 and "の間" in out.stdout, out.stdout


def test_systemd_hears_ready_status_watchdog_pings_and_stopping(world):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = world.tmp / "notify.sock"
    sock.bind(str(path))
    sock.settimeout(5)
    try:
        world.configure()
        m = Monitor(world.ns, world.config, world.tmp)
        m.env.update(NOTIFY_SOCKET=str(path), WATCHDOG_USEC="400000")  # ping every 0.2 s
        world.monitor = m.start()
        got: list[str] = []

        def receive(pred, what):
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                got.append(sock.recv(4096).decode("utf-8"))
                if pred(got[-1]):
                    return got[-1]
            raise AssertionError(f"no {what}; got {got}")

        ready = receive(lambda d: d.startswith("READY=1"), "READY=1")
        assert "STATUS=未接続, 診療時間: 消灯" in ready
        receive(lambda d: d == "WATCHDOG=1", "watchdog ping")
        receive(lambda d: d == "WATCHDOG=1", "second watchdog ping")
        world.plug()
        status = receive(lambda d: d.startswith("STATUS=接続中"), "STATUS after plugging in")
        assert "診療時間: 警報" in status
        m.proc.send_signal(signal.SIGTERM)
        receive(lambda d: d.startswith("STOPPING=1"), "STOPPING=1")
        assert m.proc.wait(15) == 0
    finally:
        sock.close()


def test_the_indicator_box_button_silences_the_alarm_and_is_recorded(world):
    """The daemon drives an indicator box on a real pty; the test plays the box end of
    the cable: it reads the PC's pattern lines and presses the button (an ``ack`` line)."""
    import select
    import sqlite3
    import tty

    from monitor.boxlink import Ack, Hello, decode, encode

    master, slave = os.openpty()
    tty.setraw(master)
    port = os.ttyname(slave)
    try:
        world.configure()
        world.config.write_text(
            world.config.read_text().replace('kind = "auto"', f'kind = "box"\nport = "{port}"')
        )
        m = world.start()
        received = bytearray()

        def box_shows(pattern: str, silenced: bool) -> bool:
            while select.select([master], [], [], 0.05)[0]:
                received.extend(os.read(master, 4096))
            lines = [ln for ln in bytes(received).split(b"\n") if ln.startswith(b"{")]
            msgs = [decode(ln) for ln in lines]
            last = [x for x in msgs if getattr(x, "t", "") == "pattern"]
            return bool(last) and (last[-1].pattern, last[-1].silenced) == (pattern, silenced)

        os.write(master, encode(Hello(seq=0, version="e2e-box")))
        until(lambda: box_shows("off", False), 5, "the box is told `off` while unplugged")
        plugged_with_alarm(world)
        until(lambda: box_shows("alarm", False), 5, "the box is told `alarm`")

        os.write(master, encode(Ack(seq=1)))  # the box's button
        until(
            lambda: m.status()["indicator"].get("silenced") is True,
            5,
            "the daemon silenced the alarm after the box's ack",
        )
        assert m.status()["pattern"] == "alarm"  # the lamp keeps blinking
        until(lambda: box_shows("alarm", True), 5, "the box is told the alarm is silenced")

        db = sqlite3.connect(f"file:{world.tmp}/state/register.db?mode=ro", uri=True)
        try:
            rows = db.execute("SELECT source, session_id FROM acks").fetchall()
        finally:
            db.close()
        session_id = m.status()["session"]["id"]
        assert rows == [("box button", session_id)]
        assert m.cli("verify").returncode == 0
    finally:
        os.close(master)
        os.close(slave)
