"""Alert texts (ja/en), durations, error classification and sender building: pure, no network."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from monitor.alerts.outbox import backoff
from monitor.alerts.redact import redact
from monitor.alerts.render import render, render_test
from monitor.alerts.sender import build_sender, is_permanent
from monitor.compat import UTC
from monitor.config import Alerts
from monitor.domain.enums import AlertKind, EndReason, Period, Purpose, Severity, Verdict
from monitor.domain.model import Alert, AlertRecord, PeriodInfo, Permit, Session
from monitor.texts import alerts as alert_texts
from monitor.texts.formats import format_bytes, format_elapsed, format_local

TOKYO = ZoneInfo("Asia/Tokyo")
# Sunday 2026-05-03 (憲法記念日) 17:20:05 JST, during the holiday-evening clinic.
START = datetime(2026, 5, 3, 8, 20, 5, tzinfo=UTC)
MACHINE = "休日診療所 レセプトPC"


def clinic_period(at: datetime) -> PeriodInfo:
    return PeriodInfo(
        at=at.astimezone(TOKYO),
        period=Period.CLINIC,
        holiday="憲法記念日",
        rule="clinic[0] sun,holiday 17:00-22:00",
        next_change=datetime(2026, 5, 3, 22, 0, tzinfo=TOKYO),
    )


def session(**kw) -> Session:
    base = {
        "id": "S20260503T082005000000Z",
        "started_at": START,
        "interfaces": frozenset({"eth0"}),
        "periods": frozenset({Period.CLINIC}),
        "verdicts": (Verdict.CLINIC_HOURS,),
    }
    return Session(**(base | kw))


def alert(kind: AlertKind, *, after=timedelta(hours=1, minutes=5), reminder=0, **kw) -> Alert:
    at = START + after
    severity = Severity.CRITICAL if kind == AlertKind.CLINIC_HOURS else Severity.WARNING
    return Alert(
        kind=kind,
        severity=severity,
        at=at,
        session=kw.pop("s", session()),
        reminder=reminder,
        period=kw.pop("period", clinic_period(at)),
        **kw,
    )


PERMIT = Permit(
    purpose=Purpose.FEE_UPDATE,
    company="ミドリ医療システム",
    staff="山田 太郎",
    expected=timedelta(hours=1),
    granted_by="kenko01",
    granted_at=START - timedelta(minutes=3),
)


def test_clinic_hours_title_starts_with_the_kind_in_brackets_in_japanese_and_english():
    ja, _ = render(alert(AlertKind.CLINIC_HOURS), language="ja", machine=MACHINE, zone=TOKYO)
    en, _ = render(alert(AlertKind.CLINIC_HOURS), language="en", machine=MACHINE, zone=TOKYO)
    assert ja == f"[clinic-hours] 診療時間中にネットワーク接続を検知 - {MACHINE}"
    assert en == f"[clinic-hours] Network connection during clinic hours - {MACHINE}"


@pytest.mark.parametrize("kind", list(AlertKind))
@pytest.mark.parametrize("language", ["ja", "en"])
def test_every_kind_renders_in_both_languages_with_its_identifier(kind, language):
    a = (
        alert(kind)
        if kind != AlertKind.MONITOR
        else Alert(kind=kind, severity=Severity.INFO, at=START, session=None, detail="started")
    )
    title, body = render(a, language=language, machine=MACHINE, zone="Asia/Tokyo")
    assert title.startswith(f"[{kind}] ")
    assert MACHINE in body and "\n" in body and "{" not in title + body


def test_overdue_reminder_title_carries_the_reminder_number():
    first, _ = render(alert(AlertKind.OVERDUE), language="ja", machine=MACHINE, zone=TOKYO)
    second, _ = render(
        alert(AlertKind.OVERDUE, reminder=2), language="ja", machine=MACHINE, zone=TOKYO
    )
    second_en, _ = render(
        alert(AlertKind.OVERDUE, reminder=2), language="en", machine=MACHINE, zone=TOKYO
    )
    assert "リマインダー" not in first
    assert second.startswith("[overdue] ") and "（リマインダー 2）" in second
    assert "(reminder 2)" in second_en


def test_clinic_hours_body_gives_the_facts_and_says_to_unplug_the_cable():
    _, body = render(alert(AlertKind.CLINIC_HOURS), language="ja", machine=MACHINE, zone=TOKYO)
    lines = body.splitlines()
    assert f"端末: {MACHINE}" in lines
    assert "接続: eth0" in lines
    assert "接続開始: 2026-05-03 (日) 17:20:05 JST" in lines
    assert "経過時間: 1時間05分" in lines
    assert "時間帯: 診療時間（接続禁止）" in lines
    assert "適用ルール: 日曜・祝日 17:00〜22:00" in lines
    assert "休日: 憲法記念日" in lines
    assert "許可: なし" in lines
    assert "重要度: 緊急" in lines
    # Who to call comes before "unplug": the cable is at the clinic, not at city hall.
    call = next(i for i, line in enumerate(lines) if "電話" in line)
    unplug = next(i for i, line in enumerate(lines) if "LANケーブルを抜いて" in line)
    assert call < unplug
    assert any("link-monitor permit" in line for line in lines)


def test_english_body_gives_the_same_facts():
    _, body = render(alert(AlertKind.CLINIC_HOURS), language="en", machine=MACHINE, zone=TOKYO)
    lines = body.splitlines()
    assert "Interfaces: eth0" in lines
    assert "Started: 2026-05-03 (Sun) 17:20:05 JST" in lines
    assert "Connected for: 1h05m" in lines
    assert "Period: clinic hours (connections forbidden)" in lines
    assert "Holiday: 憲法記念日" in lines
    assert any("LAN cable of this PC unplugged" in line for line in lines)
    assert not re.search(r"[\u3040-\u30ff]", body.replace("憲法記念日", "").replace(MACHINE, ""))


def test_a_permit_is_shown_with_its_purpose_translated_and_who_granted_it():
    s = session(permit=PERMIT, verdicts=(Verdict.PERMITTED, Verdict.OVERDUE))
    _, ja = render(
        alert(AlertKind.OVERDUE, s=s),
        language="ja",
        machine=MACHINE,
        zone=TOKYO,
        remind_every=timedelta(minutes=30),
    )
    _, en = render(alert(AlertKind.OVERDUE, s=s), language="en", machine=MACHINE, zone=TOKYO)
    assert "許可: 点数表・マスタ更新" in ja
    assert "作業会社: ミドリ医療システム" in ja and "作業者: 山田 太郎" in ja
    assert "許可登録者: kenko01" in ja and "予定時間: 1時間00分" in ja
    assert "判定: 上限時間超過" in ja
    assert "30分 ごとにお知らせします" in ja
    # with a permit there is nothing to register: only "unplug when done"
    assert "link-monitor permit" not in ja
    assert "Permit: fee-table / master data update" in en and "Granted by: kenko01" in en


def test_without_a_permit_staff_are_told_to_register_one_or_unplug():
    _, body = render(
        alert(AlertKind.NO_PERMIT, s=session(verdicts=(Verdict.NO_PERMIT,))),
        language="ja",
        machine=MACHINE,
        zone=TOKYO,
    )
    assert "許可の登録" in body or "許可を登録" in body
    assert "link-monitor permit" in body and "LANケーブルを抜いてください" in body


def test_resolved_alert_summarises_the_whole_session():
    end = START + timedelta(hours=2, minutes=40)
    s = session(
        ended_at=end,
        end_reason=EndReason.UNPLUGGED,
        bytes_sent=1536,
        bytes_received=3 * 1024 * 1024,
        verdicts=(Verdict.CLINIC_HOURS, Verdict.OVERDUE),
        alerts=(
            AlertRecord(AlertKind.CLINIC_HOURS, 0, START),
            AlertRecord(AlertKind.OVERDUE, 0, START + timedelta(hours=2)),
            AlertRecord(AlertKind.OVERDUE, 1, START + timedelta(hours=2, minutes=30)),
        ),
    )
    a = Alert(kind=AlertKind.RESOLVED, severity=Severity.INFO, at=end, session=s)
    title, body = render(a, language="ja", machine=MACHINE, zone=TOKYO)
    lines = body.splitlines()
    assert title.startswith("[resolved] ネットワーク接続が終了しました")
    assert "接続開始: 2026-05-03 (日) 17:20:05 JST" in lines
    assert "接続終了: 2026-05-03 (日) 20:00:05 JST" in lines
    assert "接続時間: 2時間40分" in lines
    assert "判定: 診療時間中、上限時間超過" in lines
    assert "送信した警告: 診療時間中、上限時間超過（リマインダー 1 回）" in lines
    assert "通信量: 送信 1.5 KB / 受信 3.0 MB" in lines
    assert "終了の理由: LANケーブルが外された" in lines


def test_monitor_alert_translates_its_detail_code_and_keeps_unknown_text():
    fault = Alert(
        kind=AlertKind.MONITOR,
        severity=Severity.WARNING,
        at=START,
        session=None,
        detail="watcher-fault: netlink socket closed",
    )
    odd = Alert(
        kind=AlertKind.MONITOR,
        severity=Severity.INFO,
        at=START,
        session=None,
        detail="something new",
    )
    title, body = render(fault, language="ja", machine=MACHINE, zone=TOKYO)
    _, odd_body = render(odd, language="en", machine=MACHINE, zone=TOKYO)
    assert title.startswith("[monitor] ")
    assert "内容: ネットワーク接続を監視できていません。 (netlink socket closed)" in body
    assert "journalctl -u link-monitor" in body
    assert "Detail: something new" in odd_body


def test_informational_monitor_alert_asks_for_nothing_and_mentions_no_connection():
    started = Alert(
        kind=AlertKind.MONITOR, severity=Severity.INFO, at=START, session=None, detail="started"
    )
    _, ja = render(started, language="ja", machine=MACHINE, zone=TOKYO)
    _, en = render(started, language="en", machine=MACHINE, zone=TOKYO)
    # Nothing to do: a plain note, no "please act" heading with nothing under it.
    assert "\n対応は不要です。\n" in ja and "対応してください" not in ja
    assert "\nNothing to do.\n" in en and "Please" not in en


def test_both_language_tables_hold_the_same_keys_and_cover_every_value():
    tables = {"ja": alert_texts.JA, "en": alert_texts.EN}
    assert tables["ja"].keys() == tables["en"].keys()
    for language in ("ja", "en"):
        keys = tables[language].keys()
        for kind in AlertKind:
            assert {f"title.{kind}", f"lead.{kind}", f"kind.{kind}"} <= keys
        assert {f"verdict.{v}" for v in Verdict} <= keys
        assert {f"purpose.{p}" for p in Purpose} <= keys
        assert {f"period.{p}" for p in Period} <= keys
        assert {f"end.{e}" for e in EndReason} <= keys
        assert {f"sev.{s}" for s in Severity} <= keys


def test_durations_read_as_hours_and_minutes():
    assert format_elapsed(timedelta(hours=1, minutes=5, seconds=59), "ja") == "1時間05分"
    assert format_elapsed(timedelta(hours=1, minutes=5), "en") == "1h05m"
    assert format_elapsed(timedelta(minutes=7), "ja") == "7分"
    assert format_elapsed(timedelta(seconds=30), "en") == "30s"
    assert format_elapsed(timedelta(hours=26), "ja") == "26時間00分"
    assert format_bytes(512) == "512 B" and format_bytes(2048) == "2.0 KB"


def test_bad_language_and_naive_time_are_refused():
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        render(alert(AlertKind.CLINIC_HOURS), language="fr", machine=MACHINE)
    with pytest.raises(ValueError, match="naive"):
        format_local(datetime(2026, 5, 3, 17, 0), TOKYO)


def test_test_message_says_no_action_is_needed():
    title, body = render_test(language="ja", machine=MACHINE, at=START, zone=TOKYO)
    assert title == f"[test] テスト送信 - {MACHINE}"
    assert "対応は不要です" in body


def test_passwords_are_redacted_from_urls_in_text():
    text = "mailtos://kenko:s3cr%40t@smtp.example.jp:587/a; other"
    assert redact(text) == "mailtos://kenko:***@smtp.example.jp:587/a; other"


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        ("Connection error; Socket Exception: [Errno 111] Connection refused", False),
        ("Socket Exception: timed out", False),
        ("Socket Exception: [Errno -2] Name or service not known", False),
        ("Socket Exception: (421, b'4.7.0 Try again later')", False),
        ("Socket Exception: (535, b'5.7.8 Authentication credentials invalid')", True),
        ("SMTP recipient x@y was refused: 550 b'no such user'", True),
        ("Socket Exception: SMTP AUTH extension not supported by server.", True),
        ("Failed to send ntfy notification: Unauthorized - error=401.", True),
        ("Failed to send ntfy notification: Too Many Requests - error=429.", False),
    ],
)
def test_failures_are_classified_permanent_only_when_a_retry_cannot_help(error, permanent):
    assert is_permanent(error) is permanent


def test_retry_waits_double_from_the_first_delay_up_to_the_cap():
    first, cap = timedelta(seconds=5), timedelta(minutes=5)
    waits = [backoff(n, first, cap).total_seconds() for n in range(1, 9)]
    assert waits == [5, 10, 20, 40, 80, 160, 300, 300]


def test_sender_takes_urls_from_the_config_the_apprise_file_and_the_credential(tmp_path):
    (tmp_path / "apprise.yml").write_text(
        "urls:\n  - mailto://127.0.0.1:2525?from=a@example.jp&to=b@example.jp\n"
    )
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "link-monitor-apprise").write_text(
        "mailto://u:topsecret@127.0.0.1:2526?from=a@example.jp&to=c@example.jp\n"
    )
    config = Alerts(
        urls=("mailto://127.0.0.1:2527?from=a@example.jp&to=d@example.jp",),
        config=tmp_path / "apprise.yml",
        credential="link-monitor-apprise",
    )
    sender = build_sender(config, credentials_dir=creds)
    assert sender.problems == []
    assert len(sender.urls) == 3
    assert not any("topsecret" in u for u in sender.urls)
    assert all(s.request_rate_per_sec == 0 for s in sender.services)


def test_sender_names_every_source_that_gave_no_destination(tmp_path, monkeypatch):
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    (tmp_path / "empty.txt").write_text("\n")
    config = Alerts(config=tmp_path / "missing.yml", credential="link-monitor-apprise")
    problems = dict(build_sender(config).problems)
    assert "cannot read" in problems[f"alerts.config {tmp_path / 'missing.yml'}"]
    assert (
        "$CREDENTIALS_DIRECTORY is not set" in problems["alerts.credential 'link-monitor-apprise'"]
    )
    empty = build_sender(Alerts(config=tmp_path / "empty.txt"))
    assert empty.services == [] and "is empty" in empty.problems[0][1]


# ----------------------------------------------------------------- issue 17: mails to act on

AT = START + timedelta(minutes=30)  # 17:50:05 JST


def _monitor_alert(detail: str, severity: Severity = Severity.INFO) -> Alert:
    return Alert(AlertKind.MONITOR, severity, AT, None, detail=detail)


@pytest.mark.parametrize(
    ("detail", "subject"),
    [
        ("started", "監視を開始しました"),
        (
            "started: after-crash 2026-05-03T01:00+00:00 2026-05-03T02:00+00:00",
            "監視を再開しました（前回は異常終了）",
        ),
        ("stopped", "監視を停止しました"),
        ("reloaded: yamada", "設定を読み込み直しました"),
        ("indicator-fault: gpio busy", "表示ランプ・ブザーの故障"),
        ("watcher-fault", "接続の監視ができていません"),
        ("register-fault", "台帳に書き込めません"),
        ("delivery-fault", "警告メールを送れていません"),
    ],
)
def test_each_monitor_notice_has_a_subject_of_its_own(detail: str, subject: str) -> None:
    title, _ = render(_monitor_alert(detail), language="ja", machine=MACHINE)
    assert title == f"[monitor] {subject} - {MACHINE}"


def test_the_overdue_mail_gives_the_limit_beside_the_elapsed_time() -> None:
    s = Session("S1", AT - timedelta(hours=2, minutes=5), frozenset({"eth0"}))
    alert = Alert(AlertKind.OVERDUE, Severity.WARNING, AT, s, period=None, limit=timedelta(hours=2))
    _, body = render(alert, language="ja", machine=MACHINE)
    assert "経過時間: 2時間05分" in body.splitlines()
    assert "上限時間: 2時間00分" in body.splitlines()


def test_the_clinic_hours_mail_names_the_contact_before_unplug() -> None:
    s = Session("S1", AT - timedelta(minutes=5), frozenset({"eth0"}))
    alert = Alert(AlertKind.CLINIC_HOURS, Severity.CRITICAL, AT, s)
    _, body = render(alert, language="ja", machine=MACHINE, contact="受付 03-1234-5678")
    lines = body.splitlines()
    call = lines.index(
        "・まず、次の連絡先に電話して、接続のことを伝えてください: 受付 03-1234-5678"
    )
    assert call < next(i for i, line in enumerate(lines) if "LANケーブルを抜いて" in line)


def test_the_resolved_mail_says_who_silenced_the_alarm_and_asks_for_the_work_report() -> None:
    from monitor.domain.model import Ack

    s = Session(
        "S1",
        AT - timedelta(minutes=30),
        frozenset({"eth0"}),
        ended_at=AT,
        end_reason=EndReason.UNPLUGGED,
    )
    acks = [
        Ack("yamada", "cli", AT - timedelta(minutes=20), "S1"),
        Ack("gpio button", "gpio button", AT - timedelta(minutes=10), "S1"),
    ]
    alert = Alert(AlertKind.RESOLVED, Severity.INFO, AT, s)
    _, body = render(alert, language="ja", machine=MACHINE, acks=acks)
    lines = body.splitlines()
    assert "ブザーを止めた人: 2026-05-03 (日) 17:30:05 JST yamada（コマンド）" in lines
    assert "ブザーを止めた人: 2026-05-03 (日) 17:40:05 JST ボタン（ランプのボタン）" in lines
    assert "対応してください:" in lines
    assert any("link-monitor work-report" in line for line in lines)
