"""The printed register as HTML: the picture's bars where the times put them, the
schedule's shading, Japanese words only, the empty month, the broken chain, the year."""

from __future__ import annotations

import re
import sqlite3
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from monitor.compat import UTC
from monitor.config import default_config
from monitor.domain.enums import AlertKind, EndReason, Period, Purpose, Verdict
from monitor.domain.model import Session
from monitor.jobs import local_holidays
from monitor.printout import Masthead, check_chain, read_register, render_month, render_year
from monitor.printout.timeline import BAR_PAD, HOUR_W, MIN_BAR, ROW, TOP, X0
from monitor.register import Register
from monitor.schedule import Schedule
from tests.support.printout_registers import TOKYO, write_empty, write_month

NOW = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)
SVG = "{http://www.w3.org/2000/svg}"
CODES = [str(v) for v in Verdict] + [str(p) for p in Purpose] + [str(k) for k in AlertKind]
CODES += [str(p) for p in Period] + [str(r) for r in EndReason] + ["gpio button"]


@pytest.fixture(scope="module")
def schedule() -> Schedule:
    config = default_config()
    return Schedule(config, holidays=local_holidays(config))


def _page(path: Path, schedule: Schedule, year: int = 2026, month: int = 4, lang: str = "ja"):
    with Register.open_readonly(path) as reg:
        chain = check_chain(reg)
        view = read_register(reg, TOKYO, NOW)
    head = Masthead("受付PC-1", NOW, "hoken", chain, lang, TOKYO)
    m = view.month(year, month)
    return m, render_month(m, head, schedule)


def _svg(html: str) -> ET.Element:
    (svg,) = re.findall(r"<svg.*?</svg>", html, re.DOTALL)
    return ET.fromstring(svg)


class _Text(HTMLParser):
    """The text a reader sees: no tags, no attributes, no stylesheet."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = False

    def handle_starttag(self, tag, attrs):
        self._skip = tag == "style"

    def handle_endtag(self, tag):
        self._skip = False

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    p = _Text()
    p.feed(html)
    return "\n".join(p.parts)


def _hours(t: datetime) -> float:
    local = t.astimezone(TOKYO)
    return local.hour + local.minute / 60 + local.second / 3600


def test_every_connection_has_one_bar_where_its_times_put_it(tmp_path, schedule):
    sessions = write_month(tmp_path / "r.db", 2026, 4, 20)
    month, html = _page(tmp_path / "r.db", schedule)
    bars = [r for r in _svg(html).iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert sorted(int(b.get("data-no")) for b in bars) == list(range(1, 21))
    for c, s in zip(month.connections, sessions, strict=True):
        (bar,) = [b for b in bars if b.get("data-no") == str(c.number)]
        start = max(s.started_at, month.start)
        day = start.astimezone(TOKYO).day
        length = (s.ended_at - start).total_seconds() / 3600
        assert float(bar.get("x")) == pytest.approx(X0 + _hours(start) * HOUR_W, abs=0.01)
        assert float(bar.get("y")) == pytest.approx(TOP + (day - 1) * ROW + BAR_PAD)
        assert float(bar.get("width")) == pytest.approx(max(length * HOUR_W, MIN_BAR), abs=0.02)


def test_the_carried_over_connection_starts_at_midnight_of_the_first(tmp_path, schedule):
    write_month(tmp_path / "r.db", 2026, 4, 5)
    _month, html = _page(tmp_path / "r.db", schedule)
    bar = next(r for r in _svg(html).iter(f"{SVG}rect") if r.get("data-no") == "1")
    assert (float(bar.get("x")), float(bar.get("y"))) == (X0, TOP + BAR_PAD)
    assert bar.get("fill") == "#7b1fa2"  # outside the window: its worst verdict


def test_a_connection_across_midnight_is_drawn_on_both_days(tmp_path, schedule):
    start = datetime(2026, 4, 7, 23, 30, tzinfo=TOKYO).astimezone(UTC)
    with Register(tmp_path / "r.db") as reg:
        s = Session("S1", start, frozenset({"eth0"}), verdicts=(Verdict.OUTSIDE_WINDOW,))
        reg.open_session(s)
        reg.close_session(
            Session(
                **{**s.__dict__, "ended_at": start + timedelta(hours=1), "end_reason": "unplugged"}
            )
        )
    _month, html = _page(tmp_path / "r.db", schedule)
    first, second = [r for r in _svg(html).iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert float(first.get("y")) == TOP + 6 * ROW + BAR_PAD
    assert float(first.get("x")) + float(first.get("width")) == pytest.approx(X0 + 24 * HOUR_W)
    assert (float(second.get("x")), float(second.get("y"))) == (X0, TOP + 7 * ROW + BAR_PAD)
    assert float(second.get("width")) == pytest.approx(0.5 * HOUR_W)


def test_clinic_hours_and_maintenance_are_shaded_as_the_schedule_had_them(tmp_path, schedule):
    write_month(tmp_path / "r.db", 2026, 4, 3)
    _month, html = _page(tmp_path / "r.db", schedule)
    shades = {}
    for r in _svg(html).iter(f"{SVG}rect"):
        cls = r.get("class", "")
        if cls.startswith("period"):
            day = int((float(r.get("y")) - TOP) // ROW) + 1
            x0 = (float(r.get("x")) - X0) / HOUR_W
            x1 = x0 + float(r.get("width")) / HOUR_W
            shades.setdefault(day, []).append((cls.split()[1], round(x0, 2), round(x1, 2)))
    assert shades[5] == [("clinic", 17.0, 22.0)]  # Sunday
    assert shades[6] == [("maintenance", 8.5, 17.25)]  # Monday
    assert 4 not in shades  # Saturday: neither
    assert shades[29] == [("clinic", 17.0, 22.0)]  # 昭和の日, a Wednesday
    assert "昭和の日" in html


def test_the_monitor_stop_is_hatched_and_the_restart_marked(tmp_path, schedule):
    write_month(tmp_path / "r.db", 2026, 4, 3)
    _month, html = _page(tmp_path / "r.db", schedule)
    svg = _svg(html)
    (down,) = [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "down"]
    assert float(down.get("x")) == pytest.approx(X0 + 12 * HOUR_W)
    assert float(down.get("width")) == pytest.approx(0.5 * HOUR_W)
    assert float(down.get("y")) == TOP + 9 * ROW
    (restart,) = [p for p in svg.iter(f"{SVG}path") if p.get("class") == "restart"]
    assert f"{X0 + (10 + 40 / 60) * HOUR_W:.2f}"[:6] in restart.get("d")


def test_the_page_speaks_japanese_without_internal_codes(tmp_path, schedule):
    write_month(tmp_path / "r.db", 2026, 4, 12)
    _month, html = _page(tmp_path / "r.db", schedule)
    text = visible_text(html)
    for heading in (
        "番号",
        "開始",
        "終了",
        "接続時間",
        "時間帯",
        "判定",
        "目的",
        "作業会社",
        "担当者",
        "許可者",
        "事後登録",
        "確認",
        "警報",
        "通信量",
        "確認者",
        "所属長",
        "日付",
    ):
        assert heading in text
    assert "ネットワーク接続記録簿" in text and "受付PC-1" in text and "2026年4月" in text
    assert "前月から継続" in text and "診療時間中" in text and "（ボタン）" in text
    assert "診療時間中の接続" in text and "1 件ありました" in text
    for code in CODES:
        assert re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text) is None, code


def test_the_file_is_self_contained(tmp_path, schedule):
    write_month(tmp_path / "r.db", 2026, 4, 5)
    _month, html = _page(tmp_path / "r.db", schedule)
    assert "<script" not in html and "@import" not in html and "@font-face" not in html
    assert re.search(r"(src|href)=", html) is None
    assert "url(" not in html.replace("url(#hatch)", "")
    assert "@page { size: A4 landscape" in html and "table-header-group" in html
    assert '"IPAexGothic"' in html and '"Noto Sans CJK JP"' in html


def test_an_empty_month_says_so_and_still_has_the_picture_and_the_boxes(tmp_path, schedule):
    write_empty(tmp_path / "r.db")
    _month, html = _page(tmp_path / "r.db", schedule, 2026, 2)
    text = visible_text(html)
    assert "この月にネットワーク接続はありませんでした。" in text
    assert "<table" not in html and len(_svg(html).findall(f"{SVG}text")) > 28
    assert "確認者" in text and "所属長" in text


def test_a_broken_chain_is_a_red_banner_naming_the_record(tmp_path, schedule):
    write_month(tmp_path / "r.db", 2026, 4, 3)
    with sqlite3.connect(tmp_path / "r.db") as db:
        db.execute("UPDATE sessions SET bytes_sent = 0 WHERE rowid = 2")
    db.close()
    _month, html = _page(tmp_path / "r.db", schedule)
    (banner,) = re.findall(r'<div class="banner" role="alert">(.*?)</div>', html)
    assert "台帳の検証に失敗しました" in banner and "sessions row S" in banner
    assert "改ざんの疑い" in visible_text(html)


def test_english_pages_use_the_english_words(tmp_path, schedule):
    write_month(tmp_path / "r.db", 2026, 4, 3)
    _month, html = _page(tmp_path / "r.db", schedule, lang="en")
    text = visible_text(html)
    assert "Network connection register" in text and "Checked by" in text
    assert "番号" not in text and '<html lang="en">' in html


def test_a_year_is_a_summary_page_then_twelve_months(tmp_path, schedule):
    write_month(tmp_path / "r.db", 2026, 4, 6)
    with Register.open_readonly(tmp_path / "r.db") as reg:
        chain, view = check_chain(reg), read_register(reg, TOKYO, NOW)
    head = Masthead("受付PC-1", NOW, "hoken", chain, "ja", TOKYO)
    html = render_year(2026, [view.month(2026, m) for m in range(1, 13)], head, schedule)
    assert html.count('<section class="sheet') == 13
    assert re.findall(r'data-month="([\d-]+)"', html) == [f"2026-{m:02d}" for m in range(1, 13)]
    year_table = re.search(r'<table class="year">.*?</table>', html, re.DOTALL).group(0)
    assert '<td class="">4月</td><td class="num">6</td>' in year_table
    # The connection carried over from March is in both months' lists, once in the year's.
    assert '<td class="">3月</td><td class="num">1</td>' in year_table
    assert '<tr class="total"><td class="">年間</td><td class="num">6</td>' in year_table


def test_closed_days_read_as_such_beside_the_national_holiday(tmp_path, schedule):
    write_empty(tmp_path / "r.db")
    _month, html = _page(tmp_path / "r.db", schedule, 2027, 1)
    labels = [t.text for t in _svg(html).iter(f"{SVG}text") if t.get("class") == "holiday"]
    assert labels[:3] == ["元日・休業日", "休業日", "休業日"]
    assert "closed" not in visible_text(html)


def test_a_connection_still_open_runs_to_the_moment_of_printing(tmp_path, schedule):
    start = datetime(2026, 4, 30, 9, 0, tzinfo=TOKYO).astimezone(UTC)
    with Register(tmp_path / "r.db") as reg:
        reg.open_session(Session("S1", start, frozenset({"eth0"}), verdicts=(Verdict.NO_PERMIT,)))
    now = start + timedelta(hours=2, minutes=30)
    with Register.open_readonly(tmp_path / "r.db") as reg:
        chain, view = check_chain(reg), read_register(reg, TOKYO, now)
    head = Masthead("受付PC-1", now, "hoken", chain, "ja", TOKYO)
    html = render_month(view.month(2026, 4), head, schedule)
    (bar,) = [r for r in _svg(html).iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert float(bar.get("x")) == pytest.approx(X0 + 9 * HOUR_W)
    assert float(bar.get("width")) == pytest.approx(2.5 * HOUR_W)
    text = visible_text(html)
    assert "接続中" in text and "2時間30分（継続中）" in text


def test_a_session_without_a_work_report_reads_unreported_and_a_report_says_who_and_how(
    tmp_path, schedule
):
    from monitor.domain.model import WorkReport

    path = tmp_path / "register.db"
    sessions = write_month(path, 2026, 4, 3)
    with Register(path) as reg:
        first = reg.sessions()[0]
        reg.add_work_report(
            WorkReport(
                first.id,
                "更新",
                False,
                "none",
                False,
                "30分長引いた",
                "hoken",
                "",
                NOW,
                deviations=("longer", "not-as-planned"),
            )
        )
    m, html = _page(path, schedule)
    assert len(m.connections) == len(sessions) == 3
    assert html.count('class="unreported">未報告<') == 2
    assert "報告済み（hoken）<br>予定時間より長い<br>予定と違う作業" in html
