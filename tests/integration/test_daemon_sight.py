"""Watch something, or say so: the real ``Daemon`` in this process with no watched
interface present (a typo in ``link.interfaces``, the only NIC pulled out).

Before issue 15 the daemon ran on, the lamp dark, ``status`` "offline", no mail and
no log line: everybody trusted the dark lamp.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from monitor.compat import UTC
from monitor.config import Indicator
from monitor.control import request
from monitor.domain.enums import Pattern
from monitor.indicator.looks import BLIND_RHYTHM, labels, look_for
from monitor.register import Register
from monitor.reports.status import format_status_report
from tests.support.daemon_parts import Running, config_text, rig, until


def run(coro) -> None:
    asyncio.run(coro)


def monitor_alerts(store: Path) -> list[tuple[str, str]]:
    with contextlib.closing(Register.open_readonly(store)) as reg:
        return [
            (str(r.severity), r.body)
            for r in reg.outbox(include_delivered=True)
            if str(r.kind) == "monitor"
        ]


async def ask(socket: Path, payload: dict) -> dict:
    return await asyncio.to_thread(request, socket, payload, timeout=5)


def test_no_watched_interface_at_start_alerts_shows_blind_and_ends_when_one_appears(tmp_path):
    # "eht*" for "eth*": the machine has eth0, the config watches nothing there.
    r = rig(tmp_path, config_text(tmp_path).replace('["eth*"]', '["eht*"]'))

    async def scenario():
        async with Running(r):
            await until(lambda: r.lamp.patterns == ["blind"], 2, "the lamp shows BLIND")
            status = await ask(r.socket, {"cmd": "status"})
            assert status["pattern"] == "blind"
            assert status["blind"]["interfaces"] == ["eht*"]
            assert status["blind"]["present_on_machine"] == ["eth0", "lo"]
            text = format_status_report(status, "en", UTC)
            assert text.splitlines()[0] == (
                "Watching    NOTHING: no interface matches link.interfaces eht* (this machine: "
                "eth0, lo); connections cannot be detected. Call IT (since 2026-03-04 01:00)"
            )
            assert "Lamp        double blink (BLIND)" in text
            assert format_status_report(status, "ja", UTC).startswith("監視対象: なし: ")
            line = r.daemon.view.line(r.clock.now())
            assert line.endswith(", no watched interface (eht*): call IT"), line
            await until(lambda: len(monitor_alerts(r.store)) >= 2, 2, "the alert is queued")
            severity, body = monitor_alerts(r.store)[1]  # after "started"
            assert severity == "critical"
            assert "No watched network interface is present" in body
            assert "link.interfaces eht*; present: eth0, lo" in body
            assert "Check the monitor" in body
            # An interface the pattern matches appears (renamed, or plugged in).
            r.links.unplug("eht1")
            await until(lambda: r.daemon.status()["blind"] is None, 2, "the episode ends")
            assert r.lamp.patterns[-1] == "off"
            assert "call IT" not in r.daemon.view.line(r.clock.now())

    run(scenario())
    bodies = [body for _, body in monitor_alerts(r.store)]
    assert sum("No watched network interface" in b for b in bodies) == 1  # once per episode
    assert any("A watched network interface is present again" in b and "eht1" in b for b in bodies)


def test_the_last_watched_interface_vanishing_makes_the_monitor_blind(tmp_path):
    r = rig(tmp_path)

    async def scenario():
        async with Running(r):
            await until(lambda: r.daemon.rt.synced, 2, "the first dump")
            assert r.daemon.status()["blind"] is None and r.lamp.patterns == []
            r.links.remove("eth0")  # the USB NIC is pulled out
            await until(lambda: r.lamp.patterns == ["blind"], 2, "the lamp shows BLIND")
            assert r.daemon.status()["blind"]["present_on_machine"] == ["lo"]
            r.links.plug("eth0")  # back, with a cable, in clinic hours: the alarm wins
            await until(lambda: r.lamp.patterns[-1:] == ["alarm"], 2, "the alarm")
            assert r.daemon.status()["blind"] is None

    run(scenario())
    bodies = [body for _, body in monitor_alerts(r.store)]
    assert sum("No watched network interface" in b for b in bodies) == 1


def test_the_blind_look_is_a_double_blink_unlike_every_other_look():
    config = Indicator()
    blind = look_for(Pattern.BLIND, False, config)
    assert blind.led == BLIND_RHYTHM and blind.buzzer is False
    others = [look_for(p, False, config).led for p in Pattern if p is not Pattern.BLIND]
    assert blind.led not in others
    assert labels(blind.name) == (
        "? 監視対象なし (システム担当者へ連絡)",
        "BLIND: no watched interface (call IT)",
    )
