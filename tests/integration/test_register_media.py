"""The media ledger and the media events in a real register: chained, kept when
retired, tamper-evident, and a register of the previous schema gains the tables."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta

import pytest

from monitor.domain.media import MediaAction, MediaObserved, RetireReason
from monitor.errors import ChainBroken
from monitor.register import Register
from monitor.register.media import MediaError
from tests.support.media_driver import BACKUP, BACKUP_ENTRY, STRANGER
from tests.support.register import T0


@pytest.fixture
def reg(tmp_path):
    with Register(tmp_path / "register.db") as r:
        yield r


def entry(**kw):
    return replace(BACKUP_ENTRY, id=None, registered_at=T0, **kw)


def test_a_registered_medium_is_found_by_its_serial_and_listed(reg):
    added = reg.register_medium(entry())
    assert added.id is not None
    assert reg.medium_by_serial(BACKUP.serial) == added
    assert reg.media() == [added]
    assert reg.medium_by_serial("nope") is None and reg.medium_by_serial("") is None


def test_a_serial_is_registered_once_at_a_time_and_never_without_a_serial(reg):
    reg.register_medium(entry())
    with pytest.raises(MediaError, match="already registered as 'バックアップ1'"):
        reg.register_medium(entry(label="バックアップ2"))
    with pytest.raises(MediaError, match="without a serial"):
        reg.register_medium(entry(serial=""))


def test_a_retired_medium_is_kept_with_its_reason_and_its_serial_may_be_registered_again(reg):
    reg.register_medium(entry())
    retired = reg.retire_medium(
        BACKUP.serial,
        RetireReason.DISPOSED,
        T0 + timedelta(days=900),
        "kenko",
        erasure="ゼロで3回上書き（情報政策課の消去ソフト）",
    )
    assert retired.retired_at == T0 + timedelta(days=900)
    assert (retired.retire_reason, retired.erasure) == (
        RetireReason.DISPOSED,
        "ゼロで3回上書き（情報政策課の消去ソフト）",
    )
    assert not retired.active
    assert reg.medium_by_serial(BACKUP.serial) == retired  # still known, as retired
    again = reg.register_medium(entry(label="バックアップ1（再登録）"))
    assert reg.medium_by_serial(BACKUP.serial) == again
    assert [m.label for m in reg.media()] == ["バックアップ1", "バックアップ1（再登録）"]
    assert [m.label for m in reg.media(include_retired=False)] == ["バックアップ1（再登録）"]
    assert reg.verify() > 0


def test_disposed_needs_the_erasure_and_only_a_medium_in_use_can_be_retired(reg):
    reg.register_medium(entry())
    with pytest.raises(MediaError, match="how its data was erased"):
        reg.retire_medium(BACKUP.serial, RetireReason.DISPOSED, T0, "kenko")
    with pytest.raises(MediaError, match="no registered medium in use has serial X"):
        reg.retire_medium("X", RetireReason.LOST, T0, "kenko")


def test_media_events_keep_time_device_serial_and_label_in_the_chain(reg):
    added = reg.register_medium(entry())
    reg.record_media_event(MediaObserved(MediaAction.INSERTED, BACKUP, T0, added))
    reg.record_media_event(
        MediaObserved(MediaAction.REMOVED, BACKUP, T0 + timedelta(minutes=5), added)
    )
    reg.record_media_event(MediaObserved(MediaAction.INSERTED, STRANGER, T0 + timedelta(days=40)))
    events = reg.media_events()
    assert [(str(e.action), e.medium.device, e.medium.serial, e.label) for e in events] == [
        ("inserted", "sdb", BACKUP.serial, "バックアップ1"),
        ("removed", "sdb", BACKUP.serial, "バックアップ1"),
        ("inserted", "sdc", STRANGER.serial, ""),
    ]
    assert events[0].medium == BACKUP and events[0].at == T0
    assert len(reg.media_events(T0, T0 + timedelta(days=1))) == 2
    assert reg.verify() == reg.head()[0]  # every record intact


def test_an_edited_media_event_breaks_the_chain(tmp_path):
    path = tmp_path / "register.db"
    with Register(path) as reg:
        reg.record_media_event(MediaObserved(MediaAction.INSERTED, STRANGER, T0))
    db = sqlite3.connect(path)
    db.execute("UPDATE media_events SET serial = 'someone-else'")
    db.commit()
    db.close()
    with Register(path) as reg, pytest.raises(ChainBroken, match="media_events"):
        reg.verify()


def test_a_register_of_the_previous_schema_gains_the_media_tables(tmp_path):
    import shutil
    from pathlib import Path

    old = Path(__file__).parent.parent / "fixtures" / "register-v2.db"
    path = tmp_path / "register.db"
    shutil.copy(old, path)
    with Register(path) as reg:
        reg.record_media_event(MediaObserved(MediaAction.INSERTED, STRANGER, T0))
        assert len(reg.media_events()) == 1
        assert reg.verify() > 0


def test_the_daemons_media_queries_read_no_whole_table(reg):
    from tests.integration.test_register import plans_of_every_query

    for i in range(30):
        reg.register_medium(entry(serial=f"S{i}", label=f"媒体{i}"))
        reg.record_media_event(
            MediaObserved(MediaAction.INSERTED, STRANGER, T0 + timedelta(hours=i))
        )

    def hot_path():
        found = reg.medium_by_serial("S7")
        reg.record_media_event(MediaObserved(MediaAction.INSERTED, BACKUP, T0, found))
        reg.media_events(T0, T0 + timedelta(hours=2))

    plans = plans_of_every_query(reg, hot_path)
    assert len(plans) >= 3
    for sql, plan in plans.items():
        for step in plan:
            assert step.split()[:2] not in (["SCAN", "media"], ["SCAN", "media_events"]), (
                f"{sql}\n  {step}"
            )
