"""How the register reads for people: durations, month bounds in the zone, CSV rows."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from monitor.compat import UTC
from monitor.domain.enums import EndReason, Purpose, Verdict
from monitor.domain.model import Permit, Session
from monitor.reports.days import month_bounds
from monitor.reports.export import export_rows
from monitor.reports.log import log_table
from monitor.reports.views import format_hm

TOKYO = ZoneInfo("Asia/Tokyo")


def test_durations_read_as_hours_and_minutes():
    assert format_hm(3900) == "1h05m"
    assert format_hm(750) == "12m30s"
    assert format_hm(45.9) == "45s"
    assert format_hm(None) == "-"


def test_a_month_starts_at_local_midnight_and_the_year_end_wraps():
    start, end = month_bounds(2026, 12, TOKYO)
    assert start == datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    assert end == datetime(2026, 12, 31, 15, 0, tzinfo=UTC)


def test_a_permitted_session_exports_translated_values_in_local_time():
    t = datetime(2026, 4, 1, 0, 30, tzinfo=UTC)
    permit = Permit(
        Purpose.REMOTE_MAINTENANCE,
        "保守社",
        "佐藤",
        timedelta(hours=1),
        "hoken",
        t,
        after_the_fact=True,
        id=3,
    )
    s = Session(
        "S1",
        t,
        frozenset({"eth0"}),
        verdicts=(Verdict.PERMITTED,),
        permit=permit,
        ended_at=t + timedelta(minutes=20),
        end_reason=EndReason.RECOVERED,
        ended_by=t + timedelta(hours=2),
    )
    header, row = export_rows([s], {}, TOKYO, "ja")
    values = dict(zip(header, row, strict=True))
    assert values["開始日時"] == "2026/04/01 09:30:00" and values["接続時間"] == "0:20:00"
    assert values["目的"] == "リモート保守" and values["事後届出"] == "はい"
    # Issue 15: ended while the monitor was down, at an unknown time: a range, not a time.
    assert values["終了日時"] == "2026/04/01 09:50:00〜2026/04/01 11:30:00の間"
    assert (
        values["終了理由"] == "監視プログラムの停止中に終了（正確な時刻は不明）"
        and values["警報"] == ""
    )


def test_the_log_shows_a_session_that_ended_while_the_monitor_was_down_as_a_range():
    t = datetime(2026, 4, 1, 0, 30, tzinfo=UTC)
    s = Session(
        "S1",
        t,
        frozenset({"eth0"}),
        ended_at=t + timedelta(minutes=20),
        end_reason=EndReason.RECOVERED,
        ended_by=t + timedelta(hours=2),
    )
    row = log_table([s], {}, TOKYO).splitlines()[1]
    assert "09:50〜11:30の間" in row and "20分以上" in row
    row = log_table([s], {}, TOKYO, language="en").splitlines()[1]
    assert "between 09:50 and 11:30" in row and ">=20m" in row


def test_log_table_columns_line_up_with_japanese_names():
    t = datetime(2026, 4, 1, 0, 30, tzinfo=UTC)
    permit = Permit(Purpose.OTHER, "保守社", "佐藤 花子", timedelta(hours=1), "hoken", t, id=1)
    sessions = [
        Session("S1", t, frozenset({"eth0"}), permit=permit),
        Session("S2", t + timedelta(days=1), frozenset({"eth0"})),
    ]
    lines = log_table(sessions, {}, TOKYO, "ja").splitlines()

    def width(text: str) -> int:
        return sum(2 if ord(c) > 0x2E80 else 1 for c in text)

    # Japanese characters take two columns: the last column (番号) starts at one place.
    id_col = width(lines[0][: lines[0].index("番号")])
    widths = [width(line[: line.index(sid)]) for line, sid in zip(lines[1:], ["S1", "S2"])]
    assert widths == [id_col, id_col]
    assert "その他" in lines[1] and "other" not in lines[1]


def test_a_reminder_reads_as_in_the_alerts_and_unsent_alerts_say_so():
    from monitor.domain.enums import AlertKind
    from monitor.domain.model import AlertRecord

    t = datetime(2026, 4, 1, 0, 30, tzinfo=UTC)
    alerts = (AlertRecord(AlertKind.OVERDUE, 0, t), AlertRecord(AlertKind.OVERDUE, 2, t))
    s = Session("S1", t, frozenset({"eth0"}), verdicts=(Verdict.OVERDUE,), alerts=alerts)
    ja = dict(zip(*export_rows([s], {}, TOKYO, "ja"), strict=True))
    en = dict(zip(*export_rows([s], {}, TOKYO, "en"), strict=True))
    assert ja["警報"] == "上限時間超過・未送信、上限時間超過（リマインダー 2）・未送信"
    assert en["Alerts"] == "overdue not sent; overdue (reminder 2) not sent"
    assert (ja["終了理由"], en["End reason"]) == ("接続中", "open")
