"""sd_notify datagrams received on a real AF_UNIX datagram socket."""

from __future__ import annotations

import os
import secrets
import socket
from datetime import timedelta

import pytest

from monitor.sdnotify import SystemdNotifier, format_status
from monitor.texts.formats import short_duration


@pytest.fixture
def receiver(tmp_path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = tmp_path / "notify.sock"
    sock.bind(str(path))
    sock.settimeout(2)
    yield str(path), sock
    sock.close()


def test_ready_with_japanese_status_arrives_as_utf8_lines(receiver):
    address, sock = receiver
    n = SystemdNotifier(address)
    assert n.ready("接続中 12分, 診療時間: 警報")
    assert sock.recv(4096).decode("utf-8") == "READY=1\nSTATUS=接続中 12分, 診療時間: 警報"
    n.close()


def test_watchdog_status_and_stopping_each_arrive_as_one_datagram(receiver):
    address, sock = receiver
    n = SystemdNotifier(address)
    n.watchdog()
    n.status("online 3m, clinic hours: ALARM")
    n.stopping("stopped")
    got = [sock.recv(4096).decode() for _ in range(3)]
    assert got == [
        "WATCHDOG=1",
        "STATUS=online 3m, clinic hours: ALARM",
        "STOPPING=1\nSTATUS=stopped",
    ]
    assert n.sent == 3
    n.close()


def test_a_newline_inside_a_status_cannot_inject_another_key(receiver):
    address, sock = receiver
    SystemdNotifier(address).status("a\nREADY=1")
    assert sock.recv(4096) == b"STATUS=a READY=1"


def test_abstract_namespace_address_starting_with_at_is_reached():
    name = f"link-monitor-test-{os.getpid()}-{secrets.token_hex(4)}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(b"\0" + name.encode())
    sock.settimeout(2)
    try:
        assert SystemdNotifier("@" + name).ready()
        assert sock.recv(4096) == b"READY=1"
    finally:
        sock.close()


def test_without_notify_socket_every_call_is_a_harmless_no_op():
    n = SystemdNotifier(environ={})
    assert not n.enabled
    assert n.ready("x") is False
    assert n.watchdog_interval() is None


def test_a_vanished_notify_socket_is_logged_not_raised(tmp_path, caplog):
    n = SystemdNotifier(str(tmp_path / "gone.sock"))
    assert n.watchdog() is False
    assert n.watchdog() is False
    assert sum("sd_notify" in r.message for r in caplog.records) == 1


def test_watchdog_interval_is_half_of_watchdog_usec_for_this_process_only():
    mine = {"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}
    assert SystemdNotifier(environ=mine).watchdog_interval() == timedelta(seconds=15)
    other = dict(mine, WATCHDOG_PID="1")
    assert SystemdNotifier(environ=other).watchdog_interval() is None
    assert SystemdNotifier(environ={"WATCHDOG_USEC": "junk"}).watchdog_interval() is None


M = timedelta(minutes=1)


@pytest.mark.parametrize(
    "online, since, period, pattern, lang, extra, text",
    [
        (True, 12 * M, "clinic", "alarm", "ja", {}, "接続中 12分, 診療時間: 警報"),
        (True, 12 * M, "clinic", "alarm", "en", {}, "online 12m, clinic hours: ALARM"),
        (False, None, "off-hours", "off", "en", {}, "offline, off-hours: off"),
        (
            False,
            None,
            "maintenance",
            "off",
            "ja",
            {"pending": 2},
            "未接続, 保守時間: 消灯, 未送信の通知 2件",
        ),
        (True, 65 * M, "maintenance", "warn", "en", {}, "online 1h05m, maintenance window: WARN"),
        (
            True,
            timedelta(seconds=40),
            "clinic",
            "alarm",
            "en",
            {"silenced": True},
            "online 40s, clinic hours: ALARM (acknowledged)",
        ),
    ],
)
def test_status_line_reads_naturally_in_both_languages(
    online, since, period, pattern, lang, extra, text
):
    assert (
        format_status(
            online=online, since=since, period=period, pattern=pattern, language=lang, **extra
        )
        == text
    )


def test_short_durations_in_japanese():
    assert short_duration(timedelta(hours=2, minutes=3), "ja") == "2時間3分"
    assert short_duration(timedelta(seconds=9), "ja") == "9秒"
