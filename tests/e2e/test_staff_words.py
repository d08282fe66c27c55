"""What staff read, with ``alerts.language = "ja"``: every staff command (status, permit and
its questions, permit --cancel, ack, work-report, log, export, their --help and their
errors) prints Japanese words from the catalog, never an English word or an internal
code from the list below.

The daemon is a stand-in (``tests/support/stand_in.py``: a real socket, canned replies);
log and export read a real register file.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.register import Register
from tests.e2e.test_quick_cli import PERMIT, STATUS
from tests.e2e.test_register_cli import APRIL_1ST, populate, sid
from tests.support.cli import run
from tests.support.stand_in import StandIn

#: English words and internal codes that must never reach a Japanese reader. Option names
#: (``--purpose``), the values typed after them (listed in their help beside their words),
#: paths, interface names and record ids are not words and are removed first.
FORBIDDEN = re.compile(
    r"\b(permit|permitted|verdicts?|session|fee-update|remote-maintenance|clinic-hours|"
    r"no-permit|overdue|outside-window|off-hours|maintenance|clinic|kind|pattern|silenced|"
    r"heartbeat|True|False|None|Error|Usage|Options|Commands|Missing|Show|Try|"
    r"acknowledged|alarm|ALARM|WARN|console|refused|running|offline|online|after the fact|"
    r"open|START|ALERTS|reported|granted|until|since|waiting|none|nothing|yes|no)\b"
    r"|=|clinic\[|\(dynamic\)"
)
TYPED = re.compile(
    r"--?[a-z][a-z-]*|\[[a-z|-]+\]|\b(TEXT|FILE|DATE|YYYY-MM|YYYY|INTEGER|RANGE|OPTIONS|"
    r"COMMAND|ARGS|fee-update|remote-maintenance|other|yes|no|none|csv|ja|en)\b|"
    r"\[\d+<=x<=\d+\]|link-monitor( [a-z-]+)?|\$LINK_MONITOR_CONFIG|/[\w./-]+|\bS\d{8}T\d+Z|\beth\d|\bS7\b"
)


def english_in(text: str) -> list[str]:
    """Return the English words and codes ``text`` holds once what one types is removed
    (a help line wrapped at a hyphen is joined first)."""
    text = re.sub(r"-\n\s+", "-", text)
    return [m.group(0) for m in FORBIDDEN.finditer(TYPED.sub(" ", text))]


def typed(*answers: str) -> str:
    """Return what a person types: each answer, then Enter."""
    return "".join(f"{a}\n" for a in answers)


WAITING = {**PERMIT["permit"], "attendant": "田中 一郎", "note": "", "granted_as": "root"}
RICH_STATUS = {
    **STATUS,
    "session": {
        **STATUS["session"],
        "verdicts": ["permitted", "overdue"],
        "permit": {**WAITING, "id": 2, "granted_by": "sato", "granted_as": ""},
    },
    "pending_permits": [WAITING],
    "unreported": [
        {
            "id": "S20260428T010000000000Z",
            "started_at": "2026-04-28T01:00:00+00:00",
            "ended_at": "2026-04-28T02:00:00+00:00",
            "permit": None,
        }
    ],
    "monitor": {**STATUS["monitor"], "faults": {"indicator": {"failing": True}}},
}
CANCEL = {"ok": True, "permit": {**WAITING, "cancelled_at": "x"}, "session": "S7"}
REPORT = {
    "ok": True,
    "report": {"deviations": ["longer", "personal-data"]},
    "session": {
        "id": "S20260428T010000000000Z",
        "started_at": "2026-04-28T01:00:00+00:00",
        "ended_at": "2026-04-28T02:00:00+00:00",
    },
}


@pytest.fixture
def world(tmp_path):
    daemon = StandIn(
        tmp_path / "control.sock",
        {
            "status": RICH_STATUS,
            "permit": PERMIT,
            "cancel": CANCEL,
            "report": REPORT,
            "ack": {"ok": True, "silenced": False, "pattern": "warn"},
        },
    )
    store = tmp_path / "register.db"
    populate(store)
    with Register(store) as r:
        r.record_ack("yamada", "cli", APRIL_1ST + timedelta(minutes=5), sid(APRIL_1ST))
    cfg = tmp_path / "ja.toml"
    cfg.write_text(
        f'[alerts]\nlanguage = "ja"\n[control]\nsocket = "{tmp_path}/control.sock"\n'
        f'[store]\npath = "{store}"\n',
        encoding="utf-8",
    )
    yield daemon, str(cfg)
    daemon.close()


STAFF = [
    ["status"],
    ["permit", "--purpose", "fee-update", "--company", "C", "--staff", "S"],
    ["permit", "--cancel"],
    ["ack"],
    [
        "work-report",
        "--done",
        "更新",
        "--personal-data",
        "yes",
        "--erased",
        "yes",
        "--as-planned",
        "yes",
    ],
    ["log"],
    ["export", "--month", "2026-04"],
    *(
        [name, "--help"]
        for name in ("status", "permit", "ack", "log", "report", "export", "work-report")
    ),
    ["--help"],
    ["permit", "--purpose", "fee-update", "--company", "C"],  # a missing option
    ["permit", "--purpose", "other", "--company", "C", "--staff", "S"],  # other: no note
    ["permit", "--purpose", "party", "--company", "C", "--staff", "S"],  # a bad choice
    ["permit", "--for", "soon", "--purpose", "fee-update", "--company", "C", "--staff", "S"],
    ["log", "--since", "yesterday"],
    ["log", "--nope"],
    ["no-such-command"],
]


@pytest.mark.parametrize("args", STAFF, ids=lambda a: " ".join(a))
def test_each_staff_command_speaks_japanese_words_only(world, args):
    _, cfg = world
    out = run(*args, "--config", cfg)
    assert "Traceback" not in out.stderr
    said = out.stdout + out.stderr
    assert said.strip(), args
    assert english_in(said) == [], said


def test_status_shows_the_waiting_permit_and_the_unreported_session_in_words(world):
    _, cfg = world
    out = run("status", "--config", cfg)
    lines = out.stdout.splitlines()
    assert lines[3] == (
        "接続: 2026-04-29 17:00 から（番号 S7）、判定: 許可どおり、予定時間の超過、"
        "許可: 2番 点数表の更新、C（S）、19:00 まで、許可した人 sato、立会 田中 一郎"
    )
    assert lines[4] == (
        "待っている許可: 3番 点数表の更新、C（S）、19:00 まで、許可した人 root（root として）、"
        "立会 田中 一郎"
    )
    assert lines[5] == (
        "未報告: 作業報告のない接続が 1 件: 2026-04-28 10:00（S20260428T010000000000Z）。"
        "link-monitor work-report で報告してください"
    )
    assert lines[-1].endswith("。異常: 表示器")


def test_the_interactive_permit_asks_one_question_at_a_time_and_confirms(world):
    daemon, cfg = world
    answers = typed("4", "1", "日医システム", "山田 太郎", "田中 一郎", "いつか", "90m", "", "y")
    result = CliRunner().invoke(main, ["permit", "--config", cfg], input=answers)
    assert result.exit_code == 0, result.output
    out = result.output
    for asked in (
        "作業の目的を番号で選んでください:",
        "  1. 点数表の更新",
        "  2. リモート保守",
        "  3. その他",
        "作業する会社の名前",
        "立ち会う職員（立会者）の名前",
        "予定時間（例 30m、90m、2h）",
        "次の内容で記録します:",
        "  立会者: 田中 一郎",
        "この内容で記録しますか？",
        "許可を記録しました",
    ):
        assert asked in out, asked
    assert "エラー: 1〜3 の番号で答えてください" in out  # asked again after a wrong number
    assert "'いつか' は時間ではありません" in out  # and after a wrong duration
    assert english_in(out) == [], out
    assert daemon.requests[-1] == {
        "cmd": "permit",
        "purpose": "fee-update",
        "company": "日医システム",
        "staff": "山田 太郎",
        "attendant": "田中 一郎",
        "for": "90m",
        "note": "",
        "after_the_fact": False,
    }


def test_other_needs_a_note_and_no_is_not_recorded(world):
    daemon, cfg = world
    answers = typed("3", "C", "S", "A", "1h", "", "プリンタの設定", "n")
    result = CliRunner().invoke(main, ["permit", "--config", cfg], input=answers)
    assert result.exit_code == 0, result.output
    assert "作業の内容（目的が「その他」なので必須）" in result.output
    assert result.output.count("作業の内容（目的が「その他」なので必須）") == 2  # asked again
    assert "  メモ: プリンタの設定" in result.output
    assert result.output.rstrip().endswith("記録しませんでした。")
    assert [r["cmd"] for r in daemon.requests] == []


def test_cancel_says_what_was_withdrawn_and_the_session_it_leaves(world):
    daemon, cfg = world
    out = run("permit", "--cancel", "--config", cfg)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        (
            "許可を取り消しました（記録は残ります）: 3番 点数表の更新、C（S）、19:00 まで、"
            "許可した人 root（root として）、立会 田中 一郎"
        ),
        "今の接続（S7）は許可のない接続として扱われます。",
    ]
    assert daemon.requests == [{"cmd": "cancel"}]


def test_the_interactive_work_report_shows_the_plan_and_sends_the_answers(world):
    daemon, cfg = world
    answers = typed("点数表を更新した", "n", "3", "y", "", "y")
    result = CliRunner().invoke(main, ["work-report", "--config", cfg], input=answers)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "接続 S20260428T010000000000Z（2026-04-28 10:00〜11:00）の作業報告を記録します。" in out
    assert "この接続には許可がありませんでした。" in out
    assert "  3. 持ち込み・持ち出しなし" in out
    assert "許可の予定との違い: 予定時間より長い、個人情報に触れた" in out
    assert english_in(out) == [], out
    assert daemon.requests[-1] == {
        "cmd": "report",
        "session": "S20260428T010000000000Z",
        "done": "点数表を更新した",
        "personal_data": False,
        "erased": "none",
        "as_planned": True,
        "note": "",
    }


def test_log_lists_acknowledgements_and_unreported_sessions_in_words(world):
    _, cfg = world
    out = run("log", "--config", cfg)
    header, *rows = out.stdout.splitlines()
    assert header.split() == [
        "開始",
        "終了",
        "時間",
        "判定",
        "目的",
        "作業者",
        "立会者",
        "通知",
        "ブザー確認",
        "作業報告",
        "番号",
    ]
    permitted = next(r for r in rows if "点数表の更新" in r)
    assert "09:35 yamada（コマンド）" in permitted and "未報告" in permitted
    assert "許可どおり、予定時間の超過" in permitted


def test_a_missing_config_is_said_in_japanese(tmp_path):
    out = run("status", "--config", str(tmp_path / "nowhere.toml"))
    assert out.returncode == 2
    assert out.stderr.splitlines() == [
        f"link-monitor: 設定 {tmp_path}/nowhere.toml に誤りがあります:",
        "  ファイルがありません",
    ]
