"""Issue 14, the pure parts: alerts carry the register's head, the register's
integrity alerts say what to do, two notices at one instant are two alerts, and the
status report shows what was found wrong with the register."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from monitor.alerts.render import render
from monitor.compat import UTC
from monitor.domain.enums import AlertKind, Severity
from monitor.domain.model import Alert, Session
from monitor.reports.status import format_status_report

AT = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)
HEAD = (1234, "ab" * 32)


def monitor_alert(detail: str, severity: Severity = Severity.CRITICAL) -> Alert:
    return Alert(AlertKind.MONITOR, severity, AT, None, detail=detail)


@pytest.mark.parametrize(
    "language,label", [("ja", "台帳の先頭: 記録 1234 番 "), ("en", "Register head: record 1234 ")]
)
def test_monitor_and_resolved_alerts_carry_the_register_head(language, label):
    _, body = render(
        monitor_alert("started", Severity.INFO), language=language, machine="pc", head=HEAD
    )
    assert label + "ab" * 32 in body
    s = Session(id="S1", started_at=AT, ended_at=AT)
    resolved = Alert(AlertKind.RESOLVED, Severity.INFO, AT, s)
    _, body = render(resolved, language=language, machine="pc", head=HEAD)
    assert label + "ab" * 32 in body


def test_session_alerts_do_not_carry_the_head():
    s = Session(id="S1", started_at=AT)
    alert = Alert(AlertKind.CLINIC_HOURS, Severity.CRITICAL, AT, s)
    _, body = render(alert, language="en", machine="pc", head=HEAD)
    assert "Register head" not in body


@pytest.mark.parametrize(
    "code", ["altered", "missing", "empty", "damaged", "reshaped", "older", "rewritten", "file"]
)
def test_register_integrity_alerts_explain_and_say_to_keep_the_files(code):
    detail = f"register-{code}: sessions row S1: not in the chain (inserted)"
    for language in ("ja", "en"):
        _, body = render(monitor_alert(detail), language=language, machine="pc", head=HEAD)
        assert "(sessions row S1: not in the chain (inserted))" in body
        assert ("管理者に連絡" if language == "ja" else "Tell the administrator") in body
        assert "link-monitor verify" in body


def test_two_monitor_notices_at_one_instant_are_two_alerts():
    assert monitor_alert("started").key != monitor_alert("register-altered: x").key
    assert monitor_alert("started").key == monitor_alert("started").key


def test_status_report_shows_the_newest_register_event():
    reply = {
        "online": True,
        "monitor": {
            "pid": 1,
            "faults": {"integrity": {"failing": True}},
            "register": {
                "events": [
                    {"at": "2026-03-04T01:00:00+00:00", "detail": "register-missing: no register"},
                    {
                        "at": "2026-03-04T01:00:01+00:00",
                        "detail": "register-altered: meta last_seen",
                    },
                ],
                "file": None,
            },
        },
    }
    text = format_status_report(reply, "en", ZoneInfo("Asia/Tokyo"))
    assert "register-altered: meta last_seen (and 1 more)" in text
    assert "integrity" in text
