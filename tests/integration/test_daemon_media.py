"""The daemon end to end with removable media: a fake media source (no USB stick can
be plugged into the test machine) and a real cable (a veth pair in a network
namespace, watched by the real netlink watcher). The real register, control socket
and outbox worker; the sender records the mails.

Stick in, then cable in: one ``media-online`` alert (and one ``unregistered-media``
for the unregistered stick), recorded in the register (outbox and media events,
chain intact), shown by ``status``; the cable flapping in the same session raises
nothing more; the stick pulled out ends the warn look."""

from __future__ import annotations

import contextlib
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from monitor.config import parse_config_text
from monitor.register import Register
from monitor.reports.status import format_status_report
from tests.support.daemon import LATER, NOW, daemon_config, hours, until
from tests.support.daemon_parts import Mailbox, on_real_parts
from tests.support.media_driver import BACKUP, BACKUP_ENTRY, STRANGER
from tests.support.media_source import FakeMedia
from tests.support.netns import cable_fixture, require_root

pytestmark = [require_root, pytest.mark.netns]


def config_text(tmp: Path) -> str:
    return daemon_config(
        tmp,
        clinic=hours(*LATER),
        maintenance=hours(*NOW),
        alerts='language = "ja"',
        extra="\n[media]\nleft_in = false\n",
    )


ns = cable_fixture("lmm")


@pytest.fixture
def rig(tmp_path, ns):
    config = parse_config_text(config_text(tmp_path), "test")
    with Register(config.store.path) as reg:  # the backup stick is in the ledger
        reg.register_medium(BACKUP_ENTRY)
    media, mailbox = FakeMedia(), Mailbox()
    r = on_real_parts(config, ns.name, media=media.build, sender=lambda config: mailbox)
    try:
        yield r, media, mailbox, config.store.path
    finally:
        r.stop()


def media_titles(mailbox: Mailbox) -> list[str]:
    return [t.split("]")[0] + "]" for t in mailbox.titles() if "media" in t.split("]")[0]]


def test_stick_in_then_cable_in_raises_one_media_online_recorded_and_shown(rig, ns):
    r, media, mailbox, store = rig
    r.start()
    media.insert(BACKUP)
    st = until(lambda: (s := r.status())["media"]["present"] and s, 5, "the stick in status")
    assert st["media"]["present"][0]["label"] == "バックアップ1"
    assert st["media"]["present"][0]["registered"] is True
    assert st["pattern"] == "off"  # offline: the lamp is about the cable

    ns.plug("peer0")
    st = until(lambda: (s := r.status())["media"]["online_alerted"] and s, 5, "media-online")
    assert st["online"] is True and st["pattern"] == "warn"
    assert st["media"]["online_alerted"] == [BACKUP.serial]
    text = format_status_report(st, "ja", ZoneInfo("Asia/Tokyo"))  # `link-monitor status`
    assert f"媒体: バックアップ1 (/dev/sdb, {BACKUP.serial})" in text
    until(lambda: media_titles(mailbox) == ["[media-online]"], 5, "the media-online mail")

    # The cable wiggles within the session: nothing more.
    ns.unplug("peer0")
    ns.plug("peer0")
    until(lambda: r.status()["online"], 5, "online again")
    media.remove(BACKUP)
    st = until(lambda: not (s := r.status())["media"]["present"] and s, 5, "the stick out")
    assert st["pattern"] == "on"
    ns.unplug("peer0")
    until(lambda: r.status()["pattern"] == "off", 5, "offline")
    assert media_titles(mailbox) == ["[media-online]"]
    [(_title, body, severity)] = [m for m in mailbox.mails if m[0].startswith("[media-online]")]
    assert "バックアップ1" in body and BACKUP.serial in body and "eth0" in body
    assert severity == "warning"

    assert r.stop() == 0
    with contextlib.closing(Register.open_readonly(store)) as reg:
        events = [
            (str(e.action), e.medium.device, e.medium.serial, e.label) for e in reg.media_events()
        ]
        assert events == [
            ("inserted", "sdb", BACKUP.serial, "バックアップ1"),
            ("removed", "sdb", BACKUP.serial, "バックアップ1"),
        ]
        rows = [
            row for row in reg.outbox(include_delivered=True) if str(row.kind) == "media-online"
        ]
        assert len(rows) == 1 and rows[0].session_id is not None
        assert rows[0].key == f"{rows[0].session_id}/media-online/{BACKUP.serial}"
        assert reg.verify() > 0


def test_an_unregistered_stick_found_at_start_alerts_and_the_cable_then_adds_media_online(rig, ns):
    r, media, mailbox, store = rig
    media.present[STRANGER.device] = STRANGER  # in before the monitor started
    r.start()
    until(lambda: r.status()["media"]["present"], 5, "the stick found at start")
    until(lambda: media_titles(mailbox) == ["[unregistered-media]"], 5, "unregistered mail")
    ns.plug("peer0")
    until(
        lambda: sorted(media_titles(mailbox)) == ["[media-online]", "[unregistered-media]"],
        5,
        "media-online mail",
    )
    st = r.status()
    assert st["media"]["present"][0]["registered"] is False
    assert st["media"]["watcher"] == {"method": "test", "closed": False}
    assert r.stop() == 0
    with contextlib.closing(Register.open_readonly(store)) as reg:
        assert [(str(e.action), e.label) for e in reg.media_events()] == [("present", "")]
