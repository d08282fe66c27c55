"""The real ``Daemon`` in this process, without root, with a fake media source: a media
watcher that cannot be built is one ``media-fault`` alert, retried with backoff, and
recovers; the cable goes on being watched meanwhile; a stick plugged in before the
monitor started is read at start and recorded once, also across a new watcher."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta
from pathlib import Path

from monitor.errors import WatcherError
from monitor.register import Register
from tests.support.daemon_parts import Running, rig, until
from tests.support.media_driver import STRANGER
from tests.support.media_source import FakeMedia


def monitor_bodies(store: Path) -> list[str]:
    with contextlib.closing(Register.open_readonly(store)) as reg:
        return [r.body for r in reg.outbox(include_delivered=True) if str(r.kind) == "monitor"]


def test_a_media_watcher_that_fails_is_alerted_once_and_rebuilt_while_the_cable_is_watched(
    tmp_path,
):
    r = rig(tmp_path)
    source = FakeMedia()
    source.present[STRANGER.device] = STRANGER
    fails = {"left": 3}

    def build(config):
        if fails["left"]:
            fails["left"] -= 1
            # A moment after the start notice (monitor alerts are keyed by their instant).
            r.clock.advance(timedelta(seconds=1))
            raise WatcherError("cannot open a uevent netlink socket: [Errno 93] not supported")
        return source.build(config)

    r.daemon.rt.parts.media = build

    async def scenario():
        async with Running(r):
            await until(
                lambda: r.daemon.status()["monitor"]["faults"]["media"]["failing"],
                5,
                "the media fault",
            )
            r.links.plug("eth0")
            await until(lambda: r.daemon.status()["online"], 5, "the cable seen meanwhile")
            await until(
                lambda: not r.daemon.status()["monitor"]["faults"]["media"]["failing"],
                5,
                "the media watcher rebuilt",
            )
            st = r.daemon.status()
            assert st["monitor"]["faults"]["media"]["errors"] == 3
            assert [m["serial"] for m in st["media"]["present"]] == [STRANGER.serial]
            assert st["pattern"] == "alarm"  # the rig starts in clinic hours: alarm wins
            await until(
                lambda: len([t for t in r.mailbox.titles() if t.startswith("[media-online]")]) == 1,
                5,
                "media-online",
            )

    asyncio.run(scenario())
    bodies = [b for b in monitor_bodies(r.store) if "USBメモリ" in b or "Removable media" in b]
    assert len(bodies) == 1 and "not supported" in bodies[0]
    with contextlib.closing(Register.open_readonly(r.store)) as reg:
        assert [str(e.action) for e in reg.media_events()] == ["present"]
    assert source.built == 1


def test_a_new_media_watcher_reporting_the_same_stick_records_nothing_twice(tmp_path):
    r = rig(tmp_path)
    source = FakeMedia()
    source.present[STRANGER.device] = STRANGER
    r.daemon.rt.parts.media = source.build

    async def scenario():
        async with Running(r):
            await until(lambda: r.daemon.status()["media"]["present"], 5, "the stick at start")
            assert source.queue is not None
            source.queue.put_nowait(RuntimeError("socket closed"))  # the stream fails
            await until(lambda: source.built == 2, 5, "a new media watcher")
            await until(
                lambda: not r.daemon.status()["monitor"]["faults"]["media"]["failing"],
                5,
                "recovered",
            )
            source.remove(STRANGER)
            await until(lambda: not r.daemon.status()["media"]["present"], 5, "removed")

    asyncio.run(scenario())
    with contextlib.closing(Register.open_readonly(r.store)) as reg:
        assert [str(e.action) for e in reg.media_events()] == ["present", "removed"]
    titles = [t for t in r.mailbox.titles() if t.startswith("[unregistered-media]")]
    assert len(titles) == 1
