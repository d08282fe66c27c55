"""The month's media records on paper: printed by the PC's browser (chromium) from
the installed ``report`` command, read back from the PDF."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from monitor.compat import UTC
from monitor.domain.media import MediaAction, MediaObserved
from monitor.register import Register
from tests.integration.test_printout_browser import (  # noqa: F401 - the fixture
    A4_LANDSCAPE,
    browser,
    config,
    pdfinfo,
    pdftext,
    print_pdf,
    report,
)
from tests.support.media_driver import BACKUP, BACKUP_ENTRY, STRANGER
from tests.support.printout_registers import write_month


@browser
def test_a_month_with_media_prints_its_media_records_and_a_month_without_says_none(
    config,  # noqa: F811 - the fixture imported above
    tmp_path,
):
    store = tmp_path / "register.db"
    write_month(store, 2026, 4, 6)
    t = datetime(2026, 4, 13, 8, 55, tzinfo=UTC)  # 17:55 in Tokyo
    with Register(store) as reg:
        backup = reg.register_medium(replace(BACKUP_ENTRY, id=None))
        for i in range(3):
            day = t + timedelta(days=7 * i)
            reg.record_media_event(MediaObserved(MediaAction.INSERTED, BACKUP, day, backup))
            reg.record_media_event(
                MediaObserved(MediaAction.REMOVED, BACKUP, day + timedelta(minutes=9), backup)
            )
        reg.record_media_event(MediaObserved(MediaAction.INSERTED, STRANGER, t + timedelta(days=1)))
    april, march = tmp_path / "april.html", tmp_path / "march.html"
    assert report(config, april, "--month", "2026-04").returncode == 0
    assert report(config, march, "--month", "2026-03").returncode == 0
    text = pdftext(print_pdf(april))
    assert "媒体の記録" in text and text.count("バックアップ1") == 6
    assert text.count(BACKUP.serial) == 6 and STRANGER.serial in text and "（未登録）" in text
    assert "04/13" in text or "4/13" in text
    pages, size = pdfinfo(print_pdf(march))
    assert (pages, size) == (1, A4_LANDSCAPE)
    assert "媒体の記録はありません。" in pdftext(print_pdf(march))
