"""log, export and verify as a user runs them: the installed command in a subprocess,
against a real register file."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from monitor.compat import UTC
from monitor.domain.enums import AlertKind, EndReason, Period, Purpose, Severity, Verdict
from monitor.domain.model import Alert, AlertRecord, Permit, Session
from monitor.register import Register
from tests.support import cli

# 2026-04-01 09:30 in Tokyo; the first session of April there, although still March in UTC.
APRIL_1ST = datetime(2026, 4, 1, 0, 30, tzinfo=UTC)


def sid(t: datetime) -> str:
    return "S" + t.strftime("%Y%m%dT%H%M%S%fZ")


def populate(path: Path) -> None:
    """Write the register of a small April: a permitted fee update that ran over, a
    clinic-hours connection still open, and sessions just outside the month."""
    with Register(path) as r:
        before = datetime(2026, 3, 31, 14, 0, tzinfo=UTC)  # 23:00 on 03-31 in Tokyo
        r.open_session(
            Session(
                sid(before),
                before,
                frozenset({"eth0"}),
                ended_at=before + timedelta(minutes=5),
                end_reason=EndReason.UNPLUGGED,
            )
        )
        t = APRIL_1ST
        permit = r.add_permit(
            Permit(
                Purpose.FEE_UPDATE,
                "日医システム",
                "山田 太郎",
                timedelta(hours=1),
                "hoken",
                t - timedelta(minutes=3),
                note="4月改定",
            )
        )
        s = Session(
            sid(t),
            t,
            frozenset({"eth0"}),
            frozenset({Period.MAINTENANCE}),
            (Verdict.PERMITTED, Verdict.OVERDUE),
            (AlertRecord(AlertKind.OVERDUE, 0, t + timedelta(hours=2)),),
            permit=permit,
        )
        r.open_session(s)
        aid = r.enqueue_alert(
            Alert(AlertKind.OVERDUE, Severity.WARNING, t + timedelta(hours=2), s),
            "[overdue] 接続時間超過",
            "本文",
        )
        r.record_attempt(
            aid,
            False,
            "SMTP 421 try again later",
            5.0,
            t + timedelta(hours=2, minutes=1),
            None,
            at=t + timedelta(hours=2),
        )
        r.close_session(
            Session(
                **{
                    **s.__dict__,
                    "ended_at": t + timedelta(hours=1, minutes=5),
                    "end_reason": EndReason.UNPLUGGED,
                    "bytes_sent": 1234,
                    "bytes_received": 56789,
                }
            )
        )
        t2 = datetime(2026, 4, 5, 9, 0, tzinfo=UTC)  # Sunday 18:00 in Tokyo: clinic hours
        r.open_session(
            Session(
                sid(t2),
                t2,
                frozenset({"enp3s0"}),
                frozenset({Period.CLINIC}),
                (Verdict.CLINIC_HOURS,),
                (AlertRecord(AlertKind.CLINIC_HOURS, 0, t2 + timedelta(seconds=2)),),
            )
        )
        after = datetime(2026, 4, 30, 15, 30, tzinfo=UTC)  # 05-01 00:30 in Tokyo
        r.open_session(
            Session(
                sid(after),
                after,
                frozenset({"eth0"}),
                ended_at=after + timedelta(minutes=1),
                end_reason=EndReason.UNPLUGGED,
            )
        )


@pytest.fixture
def config(tmp_path: Path) -> Path:
    f = tmp_path / "config.toml"
    f.write_text(
        f'timezone = "Asia/Tokyo"\n[alerts]\nlanguage = "en"\n'
        f'[store]\npath = "{tmp_path / "var" / "register.db"}"\n',
        encoding="utf-8",
    )
    return f


@pytest.fixture
def register(config: Path, tmp_path: Path) -> Path:
    path = tmp_path / "var" / "register.db"
    populate(path)
    return path


def test_log_json_lists_sessions_newest_last_with_permit_and_alert_delivery(config, register):
    result = cli.run("log", "--config", str(config), "--json")
    assert result.returncode == 0, result.stderr
    sessions = json.loads(result.stdout)
    assert [s["started_at"] for s in sessions] == sorted(s["started_at"] for s in sessions)
    assert len(sessions) == 4
    s = sessions[1]
    assert {
        "id",
        "started_at",
        "ended_at",
        "duration_s",
        "interfaces",
        "verdicts",
        "permit",
        "alerts",
    } <= set(s)
    assert s["started_at"] == "2026-04-01T09:30:00+09:00" and s["duration_s"] == 3900.0
    assert s["interfaces"] == ["eth0"] and s["verdicts"] == ["permitted", "overdue"]
    assert s["permit"] == {
        "id": 1,
        "purpose": "fee-update",
        "company": "日医システム",
        "staff": "山田 太郎",
        "granted_by": "hoken",
        "granted_at": "2026-04-01T09:27:00+09:00",
        "expected_s": 3600.0,
        "expected": "1h",
        "valid_until": "2026-04-01T10:27:00+09:00",
        "note": "4月改定",
        "after_the_fact": False,
        "attendant": "",
        "granted_as": "",
        "cancelled_at": None,
        "cancelled_by": "",
    }
    (alert,) = s["alerts"]
    assert alert["kind"] == "overdue" and alert["reminder"] == 0
    assert alert["delivered_at"] is None and alert["attempts"] == 1
    assert alert["last_error"] == "SMTP 421 try again later"
    assert sessions[2]["ended_at"] is None and sessions[2]["permit"] is None
    assert s["acks"] == [] and s["work_report"] is None


def test_log_table_shows_local_times_durations_purpose_and_staff(config, register):
    result = cli.run(
        "log", "--config", str(config), "--since", "2026-04-01", "--until", "2026-04-05"
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3  # header + the two April sessions up to the 5th, inclusive
    assert "2026-04-01 09:30" in lines[1] and "1h05m" in lines[1]
    assert "fee schedule update" in lines[1] and "山田 太郎" in lines[1]
    assert "overdue not sent" in lines[1] and "not reported" in lines[1]
    assert "2026-04-05 18:00" in lines[2] and "open" in lines[2]


def test_log_without_a_register_says_so_and_exits_1(config):
    result = cli.run("log", "--config", str(config))
    assert result.returncode == 1
    assert "no register at" in result.stderr and "register.db yet" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["export", "--month", "2026-13"], "--month"),
        (["export", "--month", "April"], "--month"),
        (["log", "--since", "yesterday"], "--since"),
        (["log", "--until", "2026-02-30"], "--until"),
    ],
)
def test_bad_date_options_exit_2_naming_the_option(config, args, option):
    result = cli.run(*args, "--config", str(config))
    assert result.returncode == 2
    assert option in result.stderr and "Traceback" not in result.stderr


def test_export_is_a_utf8_bom_csv_of_the_month_in_local_time_with_japanese_headers(
    config, register, tmp_path
):
    out = tmp_path / "2026-04.csv"
    result = cli.run(
        "export",
        "--config",
        str(config),
        "--month",
        "2026-04",
        "--format",
        "csv",
        "--lang",
        "ja",
        "--output",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    rows = rows[6:]  # after the title lines (machine, month, head, verify; see test_printout_csv)
    assert rows[0][:14] == [
        "番号",
        "開始日時",
        "終了日時",
        "接続時間",
        "インターフェース",
        "判定",
        "目的",
        "業者名",
        "担当者",
        "許可者",
        "事後届出",
        "備考",
        "警報",
        "送信バイト",
    ]
    header, first, second = rows[0], dict(zip(rows[0], rows[1])), dict(zip(rows[0], rows[2]))
    assert len(rows) == 3  # 03-31 23:00 and 05-01 00:30 (Tokyo) are other months
    assert first["開始日時"] == "2026/04/01 09:30:00" and first["接続時間"] == "1:05:00"
    assert first["判定"] == "許可あり、上限時間超過" and first["目的"] == "点数表・マスタ更新"
    assert first["業者名"] == "日医システム" and first["許可者"] == "hoken"
    assert first["終了理由"] == "LANケーブルが外された" and first["送信バイト"] == "1234"
    assert "上限時間超過・未送信" in first["警報"]
    assert second["判定"] == "診療時間中" and second["終了理由"] == "接続中"
    assert "受信バイト" in header


def test_export_in_english_to_standard_output(config, register):
    argv = [*cli.command(), "export", "--config", str(config), "--month", "2026-04", "--lang", "en"]
    result = subprocess.run(argv, capture_output=True, env=cli.env(), check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout.decode("utf-8-sig"), newline="")))[6:]
    assert rows[0][:3] == ["No.", "Start", "End"]
    assert rows[1][5] == "permitted; overdue" and rows[1][6] == "fee-table / master data update"


@pytest.mark.parametrize("command", ["export", "report"])
def test_an_output_file_that_cannot_be_written_is_named_with_why_and_exit_1(
    config, register, tmp_path, command
):
    out = tmp_path / "no-such-folder" / "april.out"
    result = cli.run(command, "--config", str(config), "--month", "2026-04", "--output", str(out))
    assert result.returncode == 1
    assert result.stderr == f"link-monitor: cannot write {out}: No such file or directory\n"
    assert result.stdout == ""
    assert not out.parent.exists()


def test_verify_reports_the_count_then_names_an_edited_row(config, register):
    result = cli.run("verify", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: ") and "records intact" in result.stdout
    count = int(result.stdout.split()[1])
    assert count >= 10
    with sqlite3.connect(register) as db:
        db.execute("UPDATE permits SET staff = '別人' WHERE id = 1")
    db.close()
    result = cli.run("verify", "--config", str(config))
    assert result.returncode == 1
    assert "permits row 1" in result.stderr and "staff" in result.stderr
    assert "Traceback" not in result.stderr


WRITER = r"""
import sys
from datetime import datetime, timedelta
from monitor.compat import UTC
from monitor.domain.enums import EndReason
from monitor.domain.model import Session
from monitor.register import Register

with Register(sys.argv[1]) as r:
    t0 = datetime(2026, 6, 1, tzinfo=UTC)
    for i in range(400):
        t = t0 + timedelta(minutes=i)
        s = Session(id=f"W{i:05d}", started_at=t, interfaces=frozenset({"eth0"}))
        r.open_session(s)
        r.close_session(Session(**{**s.__dict__, "ended_at": t + timedelta(seconds=9),
                                   "end_reason": EndReason.UNPLUGGED}))
"""


def test_log_and_verify_work_while_another_process_writes(config, register):
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(register)], env=cli.env())
    try:
        seen = []
        for _ in range(3):
            log = cli.run("log", "--config", str(config), "--json")
            assert log.returncode == 0, log.stderr
            seen.append(len(json.loads(log.stdout)))
            check = cli.run("verify", "--config", str(config))
            assert check.returncode == 0, check.stderr
    finally:
        writer.wait(timeout=120)
    assert writer.returncode == 0
    assert seen == sorted(seen) and seen[0] >= 4
    final = json.loads(cli.run("log", "--config", str(config), "--json").stdout)
    assert len(final) == 404


def test_verify_checks_a_noted_head_and_rejects_a_malformed_one(config, register):
    first = cli.run("verify", "--config", str(config))
    head = next(line.split()[1] for line in first.stdout.splitlines() if "head" in line)
    again = cli.run("verify", "--config", str(config), "--anchor", head)
    assert again.returncode == 0 and "matches" in again.stdout
    _, digest = head.split(":")
    wrong = cli.run("verify", "--config", str(config), "--anchor", f"1:{digest}")
    assert wrong.returncode == 1 and "chain record 1" in wrong.stderr
    bad = cli.run("verify", "--config", str(config), "--anchor", "12:abc")
    assert bad.returncode == 2 and "--anchor" in bad.stderr
