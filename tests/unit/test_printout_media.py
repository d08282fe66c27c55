"""The monthly printout's media section (媒体の記録), from a real register."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from monitor.compat import UTC
from monitor.domain.media import MediaAction, MediaObserved
from monitor.register import Register
from tests.support.media_driver import BACKUP, BACKUP_ENTRY, STRANGER
from tests.support.printout_registers import write_empty, write_month
from tests.unit.test_printout_page import _page, schedule, visible_text  # noqa: F401

IN_APRIL = datetime(2026, 4, 10, 0, 15, tzinfo=UTC)  # 09:15 in Tokyo
IN_MAY = datetime(2026, 5, 2, 0, 0, tzinfo=UTC)


def add_media(path):
    with Register(path) as reg:
        backup = reg.register_medium(replace(BACKUP_ENTRY, id=None))
        reg.record_media_event(MediaObserved(MediaAction.INSERTED, BACKUP, IN_APRIL, backup))
        reg.record_media_event(
            MediaObserved(MediaAction.REMOVED, BACKUP, IN_APRIL.replace(minute=20), backup)
        )
        reg.record_media_event(MediaObserved(MediaAction.INSERTED, STRANGER, IN_MAY))


def test_the_month_lists_its_media_insertions_and_removals_with_serial_and_label(
    tmp_path,
    schedule,  # noqa: F811
):
    write_month(tmp_path / "r.db", 2026, 4, 4)
    add_media(tmp_path / "r.db")
    month, html = _page(tmp_path / "r.db", schedule)
    assert [str(e.action) for e in month.media] == ["inserted", "removed"]
    text = visible_text(html)
    assert "媒体の記録" in text
    assert "2026/04/10 09:15:00" in text or "09:15:00" in text
    assert text.count("バックアップ1") == 2 and text.count(BACKUP.serial) == 2
    assert "挿入" in text and "取り外し" in text and "/dev/sdb" in text
    assert STRANGER.serial not in text  # May's


def test_a_month_without_media_says_so_in_one_line(tmp_path, schedule):  # noqa: F811
    write_empty(tmp_path / "r.db")
    _, html = _page(tmp_path / "r.db", schedule)
    assert "媒体の記録はありません。" in visible_text(html)
