"""``link-monitor report`` as the health section uses it: the command writes the HTML
file, a real browser (Debian's headless chromium) prints it to PDF and takes a
screenshot, and poppler reads the PDF back (pages, page size, text, fonts).

Needs the Debian packages listed in tests/debian-packages.txt (chromium,
poppler-utils, fonts-ipaexfont-gothic); the browser tests skip, saying so, without them.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import pytest

from monitor.domain.model import Session
from tests.support import cli
from tests.support.printout_registers import TOKYO, write_month

TOOLS = ("chromium", "pdfinfo", "pdftotext", "pdffonts")
MISSING = [tool for tool in TOOLS if shutil.which(tool) is None]
browser = pytest.mark.skipif(
    bool(MISSING),
    reason=f"needs {', '.join(MISSING)} (apt-get install chromium poppler-utils "
    "fonts-ipaexfont-gothic; see tests/debian-packages.txt)",
)
A4_LANDSCAPE = (841.92, 594.96)  # points; pdfinfo rounds to two decimals
HEADING = re.compile(r"番号\s+開始\s+終了\s+接続時間\s+時間帯\s+判定\s+目的")


def _chromium(*args: str) -> None:
    """Run headless chromium as root may: no sandbox, a fresh profile, no network chatter."""
    with tempfile.TemporaryDirectory() as profile:
        argv = [
            "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={profile}", *args,
        ]  # fmt: skip
        subprocess.run(argv, check=True, capture_output=True, timeout=120)


def print_pdf(html: Path) -> Path:
    pdf = html.with_suffix(".pdf")
    _chromium(f"--print-to-pdf={pdf}", "--no-pdf-header-footer", html.as_uri())
    return pdf


def screenshot(html: Path, png: Path, size: str = "1180,860") -> Path:
    _chromium(f"--screenshot={png}", f"--window-size={size}", "--hide-scrollbars", html.as_uri())
    return png


def pdfinfo(pdf: Path) -> tuple[int, tuple[float, float]]:
    out = subprocess.run(["pdfinfo", pdf], check=True, capture_output=True, text=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", out, re.MULTILINE).group(1))
    w, h = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+)", out, re.MULTILINE).groups()
    return pages, (float(w), float(h))


def pdftext(pdf: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    argv = ["pdftotext", "-layout", *pages, str(pdf), "-"]
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def config(tmp_path: Path) -> Path:
    f = tmp_path / "config.toml"
    f.write_text(
        'timezone = "Asia/Tokyo"\n[alerts]\nmachine = "受付PC-1"\n'
        f'[store]\npath = "{tmp_path / "register.db"}"\n',
        encoding="utf-8",
    )
    return f


def report(config: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    return cli.run("report", "--config", str(config), "--output", str(out), *args)


def _listed(text: str, sessions: list[Session]) -> None:
    """Assert that each connection's number, start and purpose share a line of the text."""
    lines = text.splitlines()
    for n, s in enumerate(sessions, start=1):
        start = s.started_at.astimezone(TOKYO)
        when = f"{start.month}/{start.day}\\(.\\) {start:%H:%M}"
        purpose = {"fee-update": "点数表・マスタ更新", "remote-maintenance": "リモート保守",
                   "other": "その他"}[str(s.permit.purpose)] if s.permit else "—"  # fmt: skip
        row = re.compile(rf"^\s*{n}\s+{when}\s.*{re.escape(purpose)}")
        assert any(row.search(line) for line in lines), (n, when, purpose)


@browser
def test_a_typical_month_prints_on_one_a4_landscape_page_in_a_japanese_font(config, tmp_path):
    # Six of them ran over time and were reminded: their rows take two lines.
    sessions = write_month(tmp_path / "register.db", 2026, 4, 20, overdue=6)
    out = tmp_path / "april.html"
    result = report(config, out, "--month", "2026-04")
    assert result.returncode == 0, result.stderr
    assert "接続 20 件" in result.stderr  # the config speaks Japanese
    pdf = print_pdf(out)
    assert pdfinfo(pdf) == (1, A4_LANDSCAPE)
    text = pdftext(pdf)
    assert "ネットワーク接続記録簿" in text and "受付PC-1" in text and "2026年4月" in text
    assert len(HEADING.findall(text)) == 1
    _listed(text, sessions)
    fonts = subprocess.run(["pdffonts", pdf], check=True, capture_output=True, text=True).stdout
    assert re.search(r"IPAexGothic|NotoSansCJK|Noto Sans CJK|NotoSansJP", fonts), fonts
    png = screenshot(out, tmp_path / "april.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000


@browser
def test_a_busy_month_breaks_across_pages_with_the_heading_on_each(config, tmp_path):
    sessions = write_month(tmp_path / "register.db", 2026, 4, 100)
    out = tmp_path / "busy.html"
    assert report(config, out, "--month", "2026-04").returncode == 0
    pdf = print_pdf(out)
    pages, size = pdfinfo(pdf)
    assert pages >= 3 and size == A4_LANDSCAPE
    for page in range(1, pages + 1):
        text = pdftext(pdf, page)
        if page == pages and not re.search(r"^\s*\d+\s+\d+/\d+", text, re.MULTILINE):
            continue  # the last page may hold only the sign-off boxes
        assert len(HEADING.findall(text)) == 1, page
    _listed(pdftext(pdf), sessions)


@browser
def test_an_empty_month_is_one_page_with_the_sentence_and_the_boxes(config, tmp_path):
    write_month(tmp_path / "register.db", 2026, 4, 3)
    out = tmp_path / "june.html"
    assert report(config, out, "--month", "2026-06").returncode == 0
    pdf = print_pdf(out)
    assert pdfinfo(pdf) == (1, A4_LANDSCAPE)
    text = pdftext(pdf)
    assert "この月にネットワーク接続はありませんでした。" in text
    assert "確認者" in text and "所属長" in text and "30 (火)" in text


@browser
def test_a_year_is_a_summary_page_and_one_page_per_month(config, tmp_path):
    write_month(tmp_path / "register.db", 2026, 4, 12)
    out = tmp_path / "year.html"
    assert report(config, out, "--year", "2026").returncode == 0
    pages, _size = pdfinfo(print_pdf(out))
    assert pages == 13


def test_a_broken_chain_exits_1_and_the_page_says_where(config, tmp_path):
    write_month(tmp_path / "register.db", 2026, 4, 3)
    with sqlite3.connect(tmp_path / "register.db") as db:
        db.execute("UPDATE permits SET company = '別の会社' WHERE id = 1")
    db.close()
    out = tmp_path / "april.html"
    result = report(config, out, "--month", "2026-04")
    assert result.returncode == 1
    assert "改ざんあり: permits row 1" in result.stderr and "Traceback" not in result.stderr
    assert "最初に壊れている記録: permits row 1" in out.read_text(encoding="utf-8")


def test_month_or_year_is_required_and_not_both(config, tmp_path):
    out = tmp_path / "x.html"
    for args in ((), ("--month", "2026-04", "--year", "2026"), ("--month", "2026-13")):
        result = report(config, out, *args)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert not out.exists()


def test_the_csv_export_starts_with_the_title_lines(config, tmp_path):
    write_month(tmp_path / "register.db", 2026, 4, 3)
    result = cli.run("verify", "--config", str(config))
    head = re.search(r"先頭\s+(\d+:[0-9a-f]{64})", result.stdout).group(1)
    out = tmp_path / "april.csv"
    argv = ["export", "--config", str(config), "--month", "2026-04", "--output", str(out)]
    assert cli.run(*argv).returncode == 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"), newline="")))
    assert rows[:4] == [
        ["ネットワーク接続記録簿"],
        ["端末", "受付PC-1"],
        ["対象月", "2026年4月"],
        ["台帳の末尾", head],
    ]
    # Only the part of the chain April's sessions rest on is checked (issue 18):
    # from the last session before April to the head.
    last = int(head.split(":")[0])
    label, check = rows[4]
    said = re.fullmatch(
        r"改ざんなし（この月以降の記録 (\d+)〜(\d+) の (\d+) 件を確認。台帳全体の検証は link-monitor verify）",
        check,
    )
    assert label == "台帳の検証" and said, check
    first, to, count = map(int, said.groups())
    assert 1 < first and to == last and count == last - first + 1
    # The CSV keeps its rows: the sessions that started in April (the report also lists
    # the one carried over from March).
    assert rows[5] == [] and rows[6][0] == "番号" and len(rows) == 7 + 2


def test_the_page_goes_to_standard_output_with_a_dash(config, tmp_path):
    write_month(tmp_path / "register.db", 2026, 4, 3)
    result = cli.run("report", "--config", str(config), "--month", "2026-04", "-o", "-")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<!DOCTYPE html>") and "受付PC-1" in result.stdout
