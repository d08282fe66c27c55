"""``status``, ``ack`` and ``permit`` against a small stand-in daemon on a real socket.

The stand-in answers each request line with a canned reply and remembers the
request; the command under test is the installed one, run as a subprocess.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run
from tests.support.stand_in import StandIn

STATUS = {
    "ok": True,
    "online": True,
    "period": "clinic",
    "holiday": "昭和の日",
    "rule": "clinic[0] sun,holiday 17:00-22:00",
    "next_change": "2026-04-29T13:00:00+00:00",
    "pattern": "alarm",
    "silenced": True,
    "session": {
        "id": "S7",
        "duration_s": 3720,
        "interfaces": ["eth0"],
        "started_at": "2026-04-29T08:00:00+00:00",
        "verdicts": ["clinic-hours"],
        "permit": None,
    },
    "interfaces": {"eth0": {"state": "online"}},
    "outbox": {"pending": 0},
    "indicator": {
        "kind": "console",
        "pattern": "alarm",
        "label": "ALARM",
        "silenced": True,
        "heartbeat": True,
        "led": "blinking",
        "buzzer": "silenced",
        "output": "lines",
        "closed": False,
    },
    "monitor": {
        "pid": 42,
        "started_at": "2026-04-29T00:00:00+00:00",
        "config": "/c.toml",
        "faults": {},
    },
}
PERMIT = {
    "ok": True,
    "session": None,
    "permit": {
        "id": 3,
        "purpose": "fee-update",
        "company": "C",
        "staff": "S",
        "expected": "1h",
        "valid_until": "2026-04-29T10:00:00+00:00",
        "granted_by": "root",
    },
}


@pytest.fixture
def daemon(tmp_path):
    stand_in = StandIn(
        tmp_path / "control.sock",
        {"status": STATUS, "permit": PERMIT, "ack": {"ok": True, "silenced": True}},
    )
    yield stand_in
    stand_in.close()


def config(tmp_path: Path, language: str = "ja", extra: str = "") -> str:
    cfg = tmp_path / f"{language}.toml"
    cfg.write_text(
        f'{extra}[alerts]\nlanguage = "{language}"\n[control]\nsocket = "{tmp_path}/control.sock"\n'
    )
    return str(cfg)


def test_status_reads_in_japanese_with_the_lamp_and_period_named(tmp_path, daemon):
    out = run("status", "--config", config(tmp_path))
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "状態: 接続中 1時間2分 (eth0)",
        "時間帯: 診療時間 [休日: 昭和の日] — 日曜・祝日 17:00〜22:00（2026-04-29 22:00 まで）",
        "ランプ: 速い点滅＋ブザー（警報）、ブザー確認済み",
        "接続: 2026-04-29 17:00 から（番号 S7）、判定: 診療時間中の接続、許可: なし",
        "ネットワーク: eth0 接続中",
        "通知: 送信待ちなし",
        "表示器: 画面（コンソール）: 警報、ブザー確認済み",
        "監視: 動作中（プロセス 42、2026-04-29 09:00 開始、設定 /c.toml）",
    ]
    assert daemon.requests == [{"cmd": "status"}]


def test_status_reads_in_english_in_the_configured_zone(tmp_path, daemon):
    out = run("status", "--config", config(tmp_path, "en", 'timezone = "UTC"\n'))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[1] == (
        "Period      clinic hours [holiday: 昭和の日] — Sun, holidays "
        "17:00–22:00 (until 2026-04-29 13:00)"
    )
    assert lines[2] == "Lamp        fast blink + buzzer (ALARM), buzzer acknowledged"
    assert "verdicts: connection during clinic hours" in lines[3]


def test_status_json_is_the_reply_without_ok(tmp_path, daemon):
    out = run("status", "--json", "--config", config(tmp_path))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {k: v for k, v in STATUS.items() if k != "ok"}


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("ja", "ブザーを止めました（ケーブルを抜くまでランプは点滅を続けます）。"),
        ("en", "Buzzer silenced (the lamp keeps blinking until the cable is out)."),
    ],
)
def test_ack_says_the_buzzer_is_silenced_in_the_configured_language(
    tmp_path, daemon, language, said
):
    out = run("ack", "--config", config(tmp_path, language))
    assert (out.returncode, out.stdout.strip()) == (0, said)


def test_permit_sends_the_request_and_confirms_it(tmp_path, daemon):
    out = run(
        "permit",
        "--purpose",
        "fee-update",
        "--company",
        "C",
        "--staff",
        "S",
        "--config",
        config(tmp_path, "en"),
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "Permit recorded: no. 3 fee schedule update, C (S), until 19:00, granted by root",
        "It will cover a connection that starts within that time.",
    ]
    assert daemon.requests == [
        {
            "cmd": "permit",
            "purpose": "fee-update",
            "company": "C",
            "staff": "S",
            "for": "1h",
            "note": "",
            "attendant": "",
            "after_the_fact": False,
        }
    ]


def test_a_refusal_is_one_line_and_exit_1(tmp_path, daemon):
    daemon.replies["ack"] = {"ok": False, "error": "nothing to acknowledge"}
    out = run("ack", "--config", config(tmp_path, "en"))
    assert out.returncode == 1
    assert out.stderr.strip() == "link-monitor: ack refused: nothing to acknowledge"


def test_a_refusal_is_said_in_the_configured_language_from_its_key(tmp_path, daemon):
    daemon.replies["permit"] = {
        "ok": False,
        "error": "note: for purpose other, say what the work is",
        "text": {"key": "bad.note_other", "values": {}},
    }
    out = run(
        "permit",
        "--purpose",
        "other",
        "--company",
        "C",
        "--staff",
        "S",
        "--note",
        "x",
        "--config",
        config(tmp_path),
    )
    assert out.returncode == 1
    assert out.stderr.strip() == (
        "link-monitor: permit は断られました: note: 目的が「その他」のときは、作業の内容を書いてください"
    )


def test_a_wrong_language_is_a_config_error_naming_the_key(tmp_path, daemon):
    out = run("status", "--config", config(tmp_path, "fr"))
    assert out.returncode == 2
    assert out.stderr.splitlines() == [
        f"link-monitor: 設定 {tmp_path}/fr.toml に誤りがあります:",
        "  alerts.language: got 'fr'; expected 'ja' or 'en'",
    ]
    assert daemon.requests == []


def test_an_unknown_zone_stops_status_before_it_asks_the_daemon(tmp_path, daemon):
    out = run("status", "--config", config(tmp_path, "ja", 'timezone = "Asia/Tokio"\n'))
    assert out.returncode == 2
    assert "  timezone: unknown time zone 'Asia/Tokio'" in out.stderr
    assert daemon.requests == []
