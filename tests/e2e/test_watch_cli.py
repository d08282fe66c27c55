"""`link-monitor watch` as a user runs it: a subprocess, inside a network namespace."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

import pytest

from tests.support.netns import Netns, require_root

ROOT = Path(__file__).parents[2]
# The built-in default config (no $LINK_MONITOR_CONFIG) unless a test passes --config.
ENV = {k: v for k, v in os.environ.items() if k != "LINK_MONITOR_CONFIG"} | {
    "PYTHONPATH": str(ROOT)
}


def watch(*args: str, netns: str | None = None, prefix: list[str] = ()) -> subprocess.Popen:
    argv = [*prefix, sys.executable, "-m", "monitor", "watch", *args]
    if netns is not None:
        argv = ["ip", "netns", "exec", netns, *argv]
    return subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV
    )


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "monitor", "watch", *args],
        check=False,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=30,
    )


def readline(proc: subprocess.Popen, timeout: float = 10.0) -> str:
    """Return the next stdout line ('' at end); fail instead of hanging on a silent watcher."""
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    assert got, f"no line from watch within {timeout}s"
    return got[0]


def read_json(proc: subprocess.Popen) -> dict:
    line = readline(proc)
    assert line, f"watch ended early: {proc.stderr.read()}"
    return json.loads(line)


def stop(proc: subprocess.Popen, sig: int) -> tuple[int, str, str]:
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        out, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    return proc.returncode, out, err


@require_root
def test_watch_json_reports_state_then_each_plug_and_unplug_and_exits_0_on_sigterm():
    with Netns() as ns:
        ns.veth("eth0", "peer0")
        proc = watch("--json", "--interface", "eth*", netns=ns.name)
        try:
            state = read_json(proc)
            assert {
                k: state[k]
                for k in (
                    "interface",
                    "online",
                    "carrier",
                    "operstate",
                    "admin_up",
                    "present",
                    "event",
                )
            } == {
                "interface": "eth0",
                "online": False,
                "carrier": False,
                "operstate": "lowerlayerdown",
                "admin_up": True,
                "present": True,
                "event": "state",
            }
            assert datetime.fromisoformat(state["at"]).utcoffset() is not None
            ns.plug("peer0")
            up = read_json(proc)
            ns.unplug("peer0")
            down = read_json(proc)
            ns.veth("usb0", "phone0")  # hot-plugged tethering interface: not matched
            ns.ip("link", "del", "eth0")
            removed = read_json(proc)
            assert [
                (r["interface"], r["online"], r["present"], r["event"]) for r in (up, down, removed)
            ] == [
                ("eth0", True, True, "change"),
                ("eth0", False, True, "change"),
                ("eth0", False, False, "change"),
            ]
            assert up["carrier"] is True and up["operstate"] == "up"
        finally:
            code, rest, err = stop(proc, signal.SIGTERM)
        assert code == 0, err
        assert "usb0" not in rest
        assert "Traceback" not in err


NO_CAPABILITIES = [
    "setpriv",
    "--bounding-set=-all",
    "--inh-caps=-all",
    "--securebits=+noroot,+noroot_locked",
    "--",
]


@require_root
@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs setpriv to drop capabilities")
def test_watch_text_follows_a_hot_plugged_interface_without_privileges_and_exits_0_on_ctrl_c():
    with Netns() as ns:
        # inside the namespace, with every capability dropped: as an ordinary user
        proc = watch(
            "--interface", "usb*", "--interface", "wwan*", netns=ns.name, prefix=NO_CAPABILITIES
        )
        try:
            ns.veth("usb0", "phone0")
            first = readline(proc)
            ns.plug("phone0")
            second = readline(proc)
        finally:
            code, _rest, err = stop(proc, signal.SIGINT)
        assert code == 0, err
        # the built-in config speaks Japanese
        assert "usb0" in first and " 切断 " in first and "carrier=no" in first
        assert "usb0" in second and " 接続 " in second and "operstate=up" in second
        assert "usb*, wwan* を" in err


@require_root
def test_hidden_netns_option_watches_inside_that_namespace():
    with Netns() as ns:
        ns.veth("eth0", "peer0")
        ns.plug("peer0")
        proc = watch("--json", "--netns", ns.name, "-i", "eth0")
        try:
            state = read_json(proc)
        finally:
            code, _rest, err = stop(proc, signal.SIGTERM)
        assert (state["interface"], state["online"]) == ("eth0", True)
        assert code == 0, err


@require_root
def test_watch_with_an_unknown_namespace_says_so_in_one_line():
    done = run_cli("--netns", "lmt-no-such-ns")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "link-monitor: network namespace 'lmt-no-such-ns' does not exist"
    )
    assert "Traceback" not in done.stderr


def test_watch_rejects_a_bad_interface_pattern_with_exit_2():
    done = run_cli("-i", "has space")
    assert done.returncode == 2
    assert "--interface: bad interface name or pattern 'has space'" in done.stderr
    assert "Traceback" not in done.stderr


def test_watch_help_documents_the_json_fields_but_not_the_test_option():
    done = run_cli("--help")
    assert done.returncode == 0
    assert "--json" in done.stdout and "operstate" in done.stdout
    assert "--netns" not in done.stdout
