"""Renders alerts (ja/en) and drains the outbox through apprise, with retries.

CONTRACT (implemented in the register/alerts issue):

    render(alert: Alert, *, language, machine, zone) -> tuple[str, str]   (title, body)
        title starts with "[<kind>]" so mail rules can route it
    class OutboxWorker:
        __init__(register, alerts_config, *, clock=None)
        async run()            until cancelled: claim due rows, send, record, back off
        kick()                 a new row or a link came up: look now
        status() -> dict
    send_test(alerts_config) -> list[(url_redacted, ok, error)]

Extensions: ``OutboxWorker.enqueue(alert)`` (render, write the outbox row, kick),
``OutboxWorker.link_up()`` (a watched link came up: retry everything now),
``build_sender(alerts_config)`` / ``Sender`` (the one apprise object and its error
contract), ``send_test(alerts_config, language=None, machine=None)``.

Delivery facts this module is built on (apprise 2.3, checked in its source):

- ``Apprise.notify()`` never raises; it returns an ``AppriseResult`` with one
  ``NotifyResult`` per service, whose attempts carry the log lines captured during
  the call. The SMTP plugin logs the real cause (``Socket Exception: [Errno 111]
  Connection refused``) only at DEBUG, so the capture level is DEBUG and we keep
  the lines that explain a failure.
- Every plugin sleeps so as to send at most one request per
  ``request_rate_per_sec`` (5.5 s) *inside* ``notify()``. We set it to 0 on each
  service instance (never on the class) and pace in the worker instead, so the
  first alert of a burst leaves at once.
- ``body_format=TEXT`` makes the e-mail plugin send text/plain with the line
  breaks kept (unless a URL forces ``?format=html``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from monitor.compat import UTC, asyncio_timeout
from monitor.domain.enums import AlertKind, Severity, Verdict
from monitor.domain.model import Alert
from monitor.errors import NotifyError
from monitor.offload import redact
from monitor.texts.formats import format_bytes, format_elapsed, format_local

log = logging.getLogger(__name__)

LANGUAGES = ("ja", "en")

# ============================================================================ texts
#
# Both tables must hold the same keys (a unit test checks it). Titles follow
# "[<kind>] <text>" so that mail rules can route on the bracketed identifier,
# which is never translated.

TEXTS: dict[str, dict[str, str]] = {
    "ja": {
        # titles
        "title.clinic-hours": "診療時間中にネットワーク接続を検知",
        "title.outside-window": "許可時間外のネットワーク接続",
        "title.no-permit": "許可の登録がないネットワーク接続",
        "title.overdue": "ネットワーク接続が上限時間を超過",
        "title.resolved": "ネットワーク接続が終了しました",
        "title.monitor": "監視プログラムからのお知らせ",
        "title.test": "テスト送信",
        "reminder": "（リマインダー {n}）",
        # first line of the body
        "lead.clinic-hours": "診療時間中に、このパソコンのネットワーク接続（LANケーブル）を検知しました。"
        "診療時間中の接続は禁止されています。",
        "lead.outside-window": "保守作業が許可された時間の外で、ネットワーク接続を検知しました。",
        "lead.no-permit": "許可（作業の届け出）が登録されていないネットワーク接続を検知しました。",
        "lead.overdue": "ネットワーク接続が上限時間を超えて続いています。",
        "lead.resolved": "警告のあったネットワーク接続が終了しました（LANケーブルが外されました）。",
        "lead.monitor": "link-monitor（ネットワーク接続の監視プログラム）からのお知らせです。",
        "lead.test": "これは link-monitor のテストメールです。このメールが届けば、警告メールの"
        "送信設定は正しく動いています。対応は不要です。",
        # field labels
        "f.machine": "端末",
        "f.severity": "重要度",
        "f.interfaces": "接続",
        "f.started": "接続開始",
        "f.ended": "接続終了",
        "f.elapsed": "経過時間",
        "f.duration": "接続時間",
        "f.period": "時間帯",
        "f.rule": "適用ルール",
        "f.holiday": "休日",
        "f.permit": "許可",
        "f.purpose": "作業目的",
        "f.company": "作業会社",
        "f.staff": "作業者",
        "f.expected": "予定時間",
        "f.granted_by": "許可登録者",
        "f.granted_at": "登録時刻",
        "f.note": "備考",
        "f.after_the_fact": "事後登録（緊急）",
        "f.verdicts": "判定",
        "f.alerts": "送信した警告",
        "f.traffic": "通信量",
        "f.ended_how": "終了の理由",
        "f.detail": "内容",
        "f.at": "通知時刻",
        "f.todo": "対応してください",
        "none": "なし",
        "yes": "はい",
        "traffic": "送信 {sent} / 受信 {received}",
        "unknown_interface": "（不明）",
        # severities
        "sev.critical": "緊急",
        "sev.warning": "警告",
        "sev.info": "お知らせ",
        # periods
        "period.clinic": "診療時間（接続禁止）",
        "period.maintenance": "保守時間（接続可）",
        "period.off-hours": "時間外（保守時間ではありません）",
        # verdicts
        "verdict.permitted": "許可あり",
        "verdict.no-permit": "許可なし",
        "verdict.overdue": "上限時間超過",
        "verdict.outside-window": "許可時間外",
        "verdict.clinic-hours": "診療時間中",
        # purposes
        "purpose.fee-update": "点数表・マスタ更新",
        "purpose.remote-maintenance": "リモート保守",
        "purpose.other": "その他",
        # end reasons
        "end.unplugged": "LANケーブルが外された",
        "end.monitor-stopped": "監視プログラムの停止",
        "end.ended-while-monitor-down": "監視プログラムの停止中に終了（最後に確認した時刻）",
        # alert kinds in a session summary
        "kind.clinic-hours": "診療時間中",
        "kind.outside-window": "許可時間外",
        "kind.no-permit": "許可なし",
        "kind.overdue": "上限時間超過",
        "kind.resolved": "終了",
        "kind.monitor": "監視プログラム",
        "reminders": "（リマインダー {n} 回）",
        # what to do
        "todo.unplug_now": "・すぐにパソコンのLANケーブルを抜いてください。",
        "todo.unplug_if_done": "・作業が終わっている場合は、パソコンのLANケーブルを抜いてください。",
        "todo.permit": "・必要な作業のための接続であれば、作業の許可を登録してください:\n"
        "    link-monitor permit ...（使い方: link-monitor permit --help）",
        "todo.permit_after": "・緊急の作業だった場合は、事後の許可として登録してください:\n"
        "    link-monitor permit ...（使い方: link-monitor permit --help）",
        "todo.ack": "・ブザーはボタンまたは link-monitor ack で止められます（ランプは点滅を続けます）。",
        "todo.remind": "・ケーブルが抜かれるまで {every} ごとにお知らせします。",
        "todo.nothing": "・対応は不要です。この接続は台帳に記録されています（link-monitor log）。",
        "todo.no_action": "・対応は不要です。",
        "todo.check_monitor": "・監視プログラムの状態を確認してください:\n"
        "    link-monitor status / journalctl -u link-monitor",
        "footer": "-- \nこのメールは link-monitor が自動で送信しました。",
        # monitor details
        "detail.started": "監視を開始しました。",
        "detail.stopped": "監視を停止しました。停止中は接続を検知できません。",
        "detail.reloaded": "設定を読み込み直しました。",
        "detail.indicator-fault": "表示ランプ・ブザーが動作していません。",
        "detail.watcher-fault": "ネットワーク接続を監視できていません。",
        "detail.register-fault": "台帳（記録）に書き込めません。",
        "detail.delivery-fault": "警告メールを送信できていません。",
    },
    "en": {
        "title.clinic-hours": "Network connection during clinic hours",
        "title.outside-window": "Network connection outside the permitted hours",
        "title.no-permit": "Network connection without a permit",
        "title.overdue": "Network connection over its time limit",
        "title.resolved": "Network connection ended",
        "title.monitor": "Notice from the monitor",
        "title.test": "Test message",
        "reminder": " (reminder {n})",
        "lead.clinic-hours": "A network connection (LAN cable) of this PC was detected during "
        "clinic hours. Connections are forbidden while the clinic is open.",
        "lead.outside-window": "A network connection was detected outside the hours in which "
        "maintenance is permitted.",
        "lead.no-permit": "A network connection was detected without a registered permit.",
        "lead.overdue": "A network connection has lasted longer than its time limit.",
        "lead.resolved": "A network connection that raised an alert has ended (the LAN cable "
        "was unplugged).",
        "lead.monitor": "A notice from link-monitor (the program that watches the network link).",
        "lead.test": "This is a test message from link-monitor. If you receive it, alert "
        "delivery is configured correctly. No action is needed.",
        "f.machine": "Machine",
        "f.severity": "Severity",
        "f.interfaces": "Interfaces",
        "f.started": "Started",
        "f.ended": "Ended",
        "f.elapsed": "Connected for",
        "f.duration": "Duration",
        "f.period": "Period",
        "f.rule": "Rule",
        "f.holiday": "Holiday",
        "f.permit": "Permit",
        "f.purpose": "Purpose",
        "f.company": "Company",
        "f.staff": "Staff",
        "f.expected": "Expected duration",
        "f.granted_by": "Granted by",
        "f.granted_at": "Granted at",
        "f.note": "Note",
        "f.after_the_fact": "Registered after the fact (emergency)",
        "f.verdicts": "Verdicts",
        "f.alerts": "Alerts sent",
        "f.traffic": "Traffic",
        "f.ended_how": "How it ended",
        "f.detail": "Detail",
        "f.at": "Alert time",
        "f.todo": "What to do",
        "none": "none",
        "yes": "yes",
        "traffic": "sent {sent} / received {received}",
        "unknown_interface": "(unknown)",
        "sev.critical": "critical",
        "sev.warning": "warning",
        "sev.info": "information",
        "period.clinic": "clinic hours (connections forbidden)",
        "period.maintenance": "maintenance window (connections permitted)",
        "period.off-hours": "off hours (not a maintenance window)",
        "verdict.permitted": "permitted",
        "verdict.no-permit": "no permit",
        "verdict.overdue": "over time limit",
        "verdict.outside-window": "outside the permitted hours",
        "verdict.clinic-hours": "during clinic hours",
        "purpose.fee-update": "fee-table / master data update",
        "purpose.remote-maintenance": "remote maintenance",
        "purpose.other": "other",
        "end.unplugged": "LAN cable unplugged",
        "end.monitor-stopped": "monitor stopped",
        "end.ended-while-monitor-down": "ended while the monitor was down (last seen time)",
        "kind.clinic-hours": "clinic hours",
        "kind.outside-window": "outside window",
        "kind.no-permit": "no permit",
        "kind.overdue": "overdue",
        "kind.resolved": "resolved",
        "kind.monitor": "monitor",
        "reminders": " ({n} reminder(s))",
        "todo.unplug_now": "- Unplug the LAN cable of this PC now.",
        "todo.unplug_if_done": "- If the work is finished, unplug the LAN cable of this PC.",
        "todo.permit": "- If the connection is needed for work, register a permit:\n"
        "    link-monitor permit ...  (usage: link-monitor permit --help)",
        "todo.permit_after": "- If this was emergency work, register a permit after the fact:\n"
        "    link-monitor permit ...  (usage: link-monitor permit --help)",
        "todo.ack": "- Silence the buzzer with the button or `link-monitor ack` (the lamp keeps "
        "blinking).",
        "todo.remind": "- You will be reminded every {every} until the cable is unplugged.",
        "todo.no_action": "- No action is needed.",
        "todo.nothing": "- No action is needed. The connection is in the register "
        "(link-monitor log).",
        "todo.check_monitor": "- Check the monitor:\n"
        "    link-monitor status / journalctl -u link-monitor",
        "footer": "-- \nSent automatically by link-monitor.",
        "detail.started": "Monitoring started.",
        "detail.stopped": "Monitoring stopped. Connections are not detected while it is stopped.",
        "detail.reloaded": "The configuration was reloaded.",
        "detail.indicator-fault": "The lamp / buzzer is not working.",
        "detail.watcher-fault": "The network link cannot be watched.",
        "detail.register-fault": "The register cannot be written.",
        "detail.delivery-fault": "Alerts cannot be delivered.",
    },
}

# Monitor alerts whose detail code means something is broken: staff should look.
_FAULT_DETAILS = ("indicator-fault", "watcher-fault", "register-fault", "delivery-fault")


def _t(language: str, key: str, **values: Any) -> str:
    text = TEXTS[language][key]
    return text.format(**values) if values else text


def _zone(zone: str | tzinfo) -> tzinfo:
    return ZoneInfo(zone) if isinstance(zone, str) else zone


def _field(lines: list[str], label: str, value: str) -> None:
    lines.append(f"{label}: {value}")


def _kind_title(alert: Alert, language: str) -> str:
    text = _t(language, f"title.{alert.kind}")
    if alert.kind == AlertKind.OVERDUE and alert.reminder:
        text += _t(language, "reminder", n=alert.reminder)
    return text


def _monitor_detail(detail: str, language: str) -> str:
    """Return the people's text for a monitor alert's ``detail`` (``code`` or
    ``code: more``); an unknown code is shown as it is."""
    code, _, more = detail.partition(":")
    key = f"detail.{code.strip()}"
    if key in TEXTS[language]:
        text = _t(language, key)
        return f"{text} ({more.strip()})" if more.strip() else text
    return detail


def render(alert: Alert, *, language: str = "ja", machine: str,
           zone: str | tzinfo = "Asia/Tokyo",
           remind_every: timedelta | None = None) -> tuple[str, str]:
    """Return ``(title, body)`` of ``alert`` in ``language`` ("ja" or "en").

    The title is ``[<kind>] <text>`` (+ reminder number) ``- <machine>``; the body is
    plain text with one ``label: value`` per line, then what to do. Times are shown in
    ``zone``. ``remind_every`` (optional) is mentioned in overdue alerts. Raise
    ValueError for an unknown language or a naive time."""
    if language not in TEXTS:
        raise ValueError(f"unknown language {language!r}: use one of {', '.join(LANGUAGES)}")
    tz = _zone(zone)
    L = language  # short on purpose: used on every line below
    title = f"[{alert.kind}] {_kind_title(alert, L)} - {machine}"
    lines: list[str] = [_t(L, f"lead.{alert.kind}"), ""]
    _field(lines, _t(L, "f.machine"), machine)
    _field(lines, _t(L, "f.severity"), _t(L, f"sev.{alert.severity}"))

    if alert.kind == AlertKind.MONITOR or alert.session is None:
        _field(lines, _t(L, "f.at"), format_local(alert.at, tz, L))
        if alert.detail:
            _field(lines, _t(L, "f.detail"), _monitor_detail(alert.detail, L))
        lines += ["", _t(L, "f.todo") + ":"]
        code = alert.detail.partition(":")[0].strip()
        lines.append(_t(L, "todo.check_monitor" if code in _FAULT_DETAILS or
                        alert.severity != Severity.INFO else "todo.no_action"))
        return title, "\n".join(lines + ["", _t(L, "footer")]) + "\n"

    s = alert.session
    interfaces = ", ".join(sorted(s.interfaces)) or _t(L, "unknown_interface")
    _field(lines, _t(L, "f.interfaces"), interfaces)
    _field(lines, _t(L, "f.started"), format_local(s.started_at, tz, L))
    if alert.kind == AlertKind.RESOLVED:
        if s.ended_at is not None:
            _field(lines, _t(L, "f.ended"), format_local(s.ended_at, tz, L))
        _field(lines, _t(L, "f.duration"), format_elapsed(s.duration(alert.at), L))
        if s.end_reason is not None:
            _field(lines, _t(L, "f.ended_how"), _t(L, f"end.{s.end_reason}"))
    else:
        _field(lines, _t(L, "f.elapsed"), format_elapsed(s.duration(alert.at), L))
        _field(lines, _t(L, "f.at"), format_local(alert.at, tz, L))

    if alert.period is not None and alert.kind != AlertKind.RESOLVED:
        p = alert.period
        _field(lines, _t(L, "f.period"), _t(L, f"period.{p.period}"))
        if p.rule:
            _field(lines, _t(L, "f.rule"), p.rule)
        if p.holiday:
            _field(lines, _t(L, "f.holiday"), p.holiday)

    verdicts = [v for v in s.verdicts if v != Verdict.PERMITTED] or list(s.verdicts)
    if verdicts:
        _field(lines, _t(L, "f.verdicts"), "、".join(_t(L, f"verdict.{v}") for v in verdicts)
               if L == "ja" else ", ".join(_t(L, f"verdict.{v}") for v in verdicts))

    if s.permit is None:
        _field(lines, _t(L, "f.permit"), _t(L, "none"))
    else:
        p = s.permit
        _field(lines, _t(L, "f.permit"), _t(L, f"purpose.{p.purpose}"))
        _field(lines, "  " + _t(L, "f.company"), p.company)
        _field(lines, "  " + _t(L, "f.staff"), p.staff)
        _field(lines, "  " + _t(L, "f.expected"), format_elapsed(p.expected, L))
        _field(lines, "  " + _t(L, "f.granted_by"), p.granted_by)
        _field(lines, "  " + _t(L, "f.granted_at"), format_local(p.granted_at, tz, L))
        if p.after_the_fact:
            _field(lines, "  " + _t(L, "f.after_the_fact"), _t(L, "yes"))
        if p.note:
            _field(lines, "  " + _t(L, "f.note"), p.note)

    if alert.kind == AlertKind.RESOLVED:
        _field(lines, _t(L, "f.alerts"), _alert_summary(s.alerts, L))
        _field(lines, _t(L, "f.traffic"), _t(L, "traffic", sent=format_bytes(s.bytes_sent),
                                              received=format_bytes(s.bytes_received)))

    lines += ["", _t(L, "f.todo") + ":"]
    lines += [_t(L, key, every=format_elapsed(remind_every, L) if remind_every else "")
              for key in _todo(alert, remind_every)]
    return title, "\n".join(lines + ["", _t(L, "footer")]) + "\n"


def _todo(alert: Alert, remind_every: timedelta | None) -> list[str]:
    """Return the text keys of what staff should do about a session alert."""
    kind = alert.kind
    has_permit = alert.session is not None and alert.session.permit is not None
    if kind == AlertKind.CLINIC_HOURS:
        return ["todo.unplug_now", "todo.permit_after", "todo.ack"]
    if kind == AlertKind.RESOLVED:
        return ["todo.nothing"]
    out = ["todo.unplug_if_done"]
    if not has_permit:
        out.append("todo.permit")
    if kind == AlertKind.OVERDUE and remind_every:
        out.append("todo.remind")
    return out


def _alert_summary(alerts: Iterable, language: str) -> str:
    """Return e.g. ``上限時間超過（リマインダー 2 回）、診療時間中`` for a session's alerts."""
    counts: dict[AlertKind, int] = {}
    for record in alerts:
        if record.kind == AlertKind.RESOLVED:
            continue
        counts[record.kind] = max(counts.get(record.kind, 0), record.reminder)
    if not counts:
        return _t(language, "none")
    parts = []
    for kind, reminders in counts.items():
        text = _t(language, f"kind.{kind}")
        if reminders:
            text += _t(language, "reminders", n=reminders)
        parts.append(text)
    return ("、" if language == "ja" else ", ").join(parts)


def render_test(*, language: str = "ja", machine: str, at: datetime,
                zone: str | tzinfo = "Asia/Tokyo") -> tuple[str, str]:
    """Return ``(title, body)`` of the ``test-alert`` message."""
    if language not in TEXTS:
        raise ValueError(f"unknown language {language!r}: use one of {', '.join(LANGUAGES)}")
    tz = _zone(zone)
    title = f"[test] {_t(language, 'title.test')} - {machine}"
    lines = [_t(language, "lead.test"), ""]
    _field(lines, _t(language, "f.machine"), machine)
    _field(lines, _t(language, "f.at"), format_local(at, tz, language))
    return title, "\n".join(lines + ["", _t(language, "footer")]) + "\n"


def machine_name(alerts_config) -> str:
    """Return ``alerts.machine`` or, when unset, this host's name."""
    return alerts_config.machine or socket.gethostname()


# =========================================================================== sender


# Failure causes for which sending the same message again cannot help. Everything
# else (refused or timed-out connection, DNS failure, no route while offline, 4xx
# replies) is transient and retried with backoff.
_PERMANENT_RES = (
    re.compile(r"\(5\d\d, "),  # smtplib: (535, b'5.7.8 Authentication failed') etc.
    re.compile(r"refused: 5\d\d"),  # apprise: SMTP recipient x was refused: 550 ...
    re.compile(r"error=(400|401|403|404)\b"),  # apprise HTTP plugins
    re.compile(r"CERTIFICATE_VERIFY_FAILED|wrong version number|SMTP AUTH extension not",
               re.IGNORECASE),
    re.compile(r"no Email recipients|improperly configured|Invalid SMTP secure mode",
               re.IGNORECASE),
)


def is_permanent(error: str) -> bool:
    """Return True when ``error`` (captured apprise text) says a retry cannot help."""
    return any(r.search(error) for r in _PERMANENT_RES)


@dataclass(frozen=True)
class Delivery:
    """The outcome of sending one message through one configured service."""

    index: int  # position in Sender.services
    url: str  # the service URL with secrets hidden (apprise privacy form)
    ok: bool
    error: str = ""  # what apprise reported, passwords redacted; "" when ok
    permanent: bool = False  # a retry cannot help (auth refused, recipient rejected, ...)
    elapsed_s: float = 0.0


class _AppriseDetail:
    """While active, let apprise create DEBUG records (the SMTP plugin reports the real
    cause of a failure only at DEBUG) without showing them anywhere else: records
    below the previous level are captured by apprise's per-call handler and are not
    propagated to the application's handlers."""

    _lock = None  # created lazily: no module-level mutable state at import

    def __enter__(self) -> None:
        import threading

        if _AppriseDetail._lock is None:
            _AppriseDetail._lock = threading.Lock()
        _AppriseDetail._lock.acquire()
        self._logger = logging.getLogger("apprise")
        self._level = self._logger.level
        self._propagate = self._logger.propagate
        parent_level = self._logger.getEffectiveLevel()
        self._forward = _Forward(self._logger.parent, parent_level) if self._propagate else None
        self._logger.setLevel(logging.DEBUG)
        if self._forward is not None:
            self._logger.propagate = False
            self._logger.addHandler(self._forward)

    def __exit__(self, *exc) -> None:
        try:
            if self._forward is not None:
                self._logger.removeHandler(self._forward)
            self._logger.propagate = self._propagate
            self._logger.setLevel(self._level)
        finally:
            assert _AppriseDetail._lock is not None
            _AppriseDetail._lock.release()


class _Forward(logging.Handler):
    """Hand records at or above the application's level on to the parent loggers,
    as propagation would have done."""

    def __init__(self, parent: logging.Logger | None, level: int):
        super().__init__(level=level)
        self._parent = parent

    def emit(self, record: logging.LogRecord) -> None:
        logger = self._parent
        while logger is not None:
            for handler in logger.handlers:
                if record.levelno >= handler.level:
                    handler.handle(record)
            if not logger.propagate:
                break
            logger = logger.parent


NO_DESTINATION = "no alert destination configured (alerts.urls, alerts.config, alerts.credential)"

_NOTIFY_TYPES = {
    Severity.CRITICAL: "failure",
    Severity.WARNING: "warning",
    Severity.INFO: "info",
}


class Sender:
    """The one ``apprise.Apprise`` object of the alerts config, and its error contract.

    ``problems`` lists configured sources that gave no service (missing credential
    file, unreadable apprise config), as ``(source, message)``; they are reported by
    ``status()`` and ``test-alert``. Blocking: call ``deliver`` in a thread.
    (``offload.ChildSender`` has the same interface and sends from a child process.)"""

    loaded = True  # services and problems are known (ChildSender: after its first send)

    def __init__(self, services: list, problems: list[tuple[str, str]] | None = None):
        self.services = list(services)
        self.problems = list(problems or [])
        for service in self.services:
            # Instance attribute, not the class: throttling is the worker's job (pace).
            service.request_rate_per_sec = 0
        self._apprise = None
        if self.services:  # without a service there is nothing to import apprise for
            import apprise

            self._apprise = apprise.Apprise()
            for service in self.services:
                self._apprise.add(service)

    @property
    def urls(self) -> list[str]:
        """Return the configured service URLs with secrets hidden."""
        return [redact(s.url(privacy=True)).partition("?")[0] for s in self.services]

    def deliver(self, title: str, body: str, *, severity: Severity | str = Severity.WARNING,
                skip: Iterable[int] = ()) -> list[Delivery]:
        """Send one plain-text message through every service whose index is not in
        ``skip``; return one ``Delivery`` per service tried (never raises for a failed
        service: the failure is in the Delivery). Raise NotifyError(permanent=True)
        when there is no service to send through."""
        skipped = set(skip)
        chosen = [i for i in range(len(self.services)) if i not in skipped]
        if not self.services:
            reason = "; ".join(f"{src}: {msg}" for src, msg in self.problems)
            raise NotifyError(NO_DESTINATION + (f": {reason}" if reason else ""),
                              permanent=True)
        if not chosen:
            return []
        import apprise

        target = self._apprise if not skipped else apprise.Apprise(
            servers=[self.services[i] for i in chosen])
        notify_type = _NOTIFY_TYPES.get(Severity(severity), "info")
        started = time.monotonic()
        with _AppriseDetail():
            result = target.notify(
                body=body, title=title, notify_type=notify_type,
                body_format=apprise.NotifyFormat.TEXT, log_level=logging.DEBUG,
            )
        try:
            return self._deliveries(result, chosen, time.monotonic() - started)
        finally:
            result.close()

    def _deliveries(self, result, chosen: list[int], elapsed: float) -> list[Delivery]:
        results = list(result)
        if len(results) != len(chosen):
            # The call failed before any service ran (e.g. the message was refused).
            text = _explain(result.logs()) or f"apprise: {result.status.name.lower()}"
            return [Delivery(i, self.urls[i], False, text, is_permanent(text), elapsed)
                    for i in chosen]
        out = []
        for i, service_result in zip(chosen, results):
            if service_result:
                out.append(Delivery(i, self.urls[i], True, "", False, service_result.elapsed))
                continue
            text = _explain(service_result.logs())
            if not text:
                text = ("timed out" if service_result.status.name == "TIMEOUT"
                        else "failed (apprise gave no reason)")
            out.append(Delivery(i, self.urls[i], False, text, is_permanent(text),
                                service_result.elapsed))
        return out


def _explain(entries) -> str:
    """Return the lines of an apprise log capture that explain a failure: warnings and
    errors, and the DEBUG lines carrying an exception text. Passwords redacted."""
    lines: list[str] = []
    for entry in entries:
        msg = entry.message.strip()
        keep = entry.level in ("WARNING", "ERROR", "CRITICAL") or "Exception" in msg
        if keep and msg and msg not in lines:
            lines.append(msg)
    return redact("; ".join(lines))


def build_sender(alerts_config, *, credentials_dir: str | Path | None = None) -> Sender:
    """Return the ``Sender`` of ``alerts_config``: its ``urls``, the services of the
    apprise config file ``config`` and of the systemd credential ``credential``
    (read from ``credentials_dir``, default ``$CREDENTIALS_DIRECTORY``: apprise URLs
    one per line, or an apprise config). A source that yields nothing is recorded
    in ``Sender.problems``; nothing here raises for a bad source. apprise (~20-36 MB
    with its plugins) is imported only when a source is configured."""
    services: list = []
    problems: list[tuple[str, str]] = []
    if alerts_config.urls:
        import apprise
    for i, url in enumerate(alerts_config.urls):
        service = apprise.Apprise.instantiate(url)
        if service is None:
            problems.append((f"alerts.urls[{i}]", f"apprise cannot use {redact(url)!r}"))
        else:
            services.append(service)

    if alerts_config.config is not None:
        path = Path(alerts_config.config)
        source = f"alerts.config {path}"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            problems.append((source, f"cannot read: {exc.strerror or exc}"))
        else:
            _add_config_text(text, source, services, problems)

    if alerts_config.credential:
        source = f"alerts.credential {alerts_config.credential!r}"
        folder = credentials_dir or os.environ.get("CREDENTIALS_DIRECTORY")
        if not folder:
            problems.append((source, ("$CREDENTIALS_DIRECTORY is not set (run under systemd "
                                      "with LoadCredential=, or remove alerts.credential)")))
        else:
            path = Path(folder) / alerts_config.credential
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                problems.append((source, f"cannot read {path}: {exc.strerror or exc}"))
            else:
                _add_config_text(text, source, services, problems)
    return Sender(services, problems)


def _add_config_text(text: str, source: str, services: list,
                     problems: list[tuple[str, str]]) -> None:
    """Add the services of apprise config ``text`` (YAML, or TEXT = URLs one per line)."""
    import apprise

    if not text.strip():
        problems.append((source, "is empty"))
        return
    config = apprise.AppriseConfig()
    # Plain URLs one per line are apprise's TEXT format; let apprise detect YAML.
    if not config.add_config(text):
        config = apprise.AppriseConfig()
        config.add_config(text, format="text")
    found = config.services()
    if not found:
        problems.append((source, "contains no usable apprise URL"))
    services.extend(found)


# =========================================================================== worker

Clock = Callable[[], datetime]

# How long a claimed row stays ours. Longer than any one send (apprise's SMTP
# connect timeout is 15 s per service); a worker killed mid-send leaves the row to
# be claimed again after this.
LEASE = timedelta(minutes=2)
# Spacing between two sends, in place of apprise's 5.5 s per-plugin sleep: the
# first alert of a burst leaves at once, the rest follow without flooding a relay.
PACE = timedelta(seconds=1)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def backoff(attempts: int, first: timedelta, cap: timedelta) -> timedelta:
    """Return the wait after the ``attempts``-th failed attempt (1, 2, ...):
    ``first``, then doubling, never more than ``cap``."""
    if attempts < 1:
        return timedelta(0)
    return min(first * (2 ** min(attempts - 1, 30)), cap)


class OutboxWorker:
    """Drains the register's outbox through apprise: write-ahead, retried, never dropped.

    Every register call happens on the event loop; only the (blocking) send runs in
    a thread. A delivery attempt is recorded with its result, error text and
    duration. A transient failure is retried after ``alerts.retry_first``, doubling
    up to ``alerts.retry_max``; a permanent one (see ``is_permanent``) is kept as
    failed and shown by ``status()``. With several destinations, one that already
    accepted an alert is not sent it again on a retry (remembered in memory: after
    a restart a retry goes to every destination).
    """

    def __init__(self, register, alerts_config, *, clock: Clock | None = None,
                 sender: Sender | None = None, language: str | None = None,
                 machine: str | None = None, zone: str | tzinfo = "Asia/Tokyo",
                 remind_every: timedelta | None = None, pace: timedelta = PACE,
                 lease: timedelta = LEASE):
        """``clock`` returns the aware wall-clock time (default: now in UTC); ``sender``
        defaults to ``build_sender(alerts_config)``; ``language`` and ``machine``
        default to ``alerts.language`` and ``alerts.machine`` (or the host name)."""
        self._register = register
        self._alerts = alerts_config
        self._clock = clock or _utcnow
        # Built on first use, in the send thread: importing apprise and its plugins
        # costs ~20-36 MB of RSS, which an idle daemon that never sends need not pay.
        self._sender = sender
        self._sender_lock = threading.Lock()
        self.language = language or alerts_config.language
        self.machine = machine or machine_name(alerts_config)
        self.zone = zone
        self.remind_every = remind_every
        self._pace = pace.total_seconds()
        self._lease = lease
        self._wake: asyncio.Event | None = None
        self._kicked = False
        self._last_send: float | None = None  # monotonic
        self._delivered_to: dict[int, set[int]] = {}  # alert id -> service indexes done
        self._last_delivery_at: datetime | None = None
        self._looked_up_last_delivery = False
        self._loop_error: str | None = None

    @property
    def sender(self) -> Sender:
        """Return the ``Sender``, building it (``build_sender``) on first use. Blocking
        (it may import apprise and read credential files): the worker calls it in its
        send thread."""
        with self._sender_lock:
            if self._sender is None:
                self._sender = build_sender(self._alerts)
            return self._sender

    def _deliver(self, title: str, body: str, severity: str, skip: set[int]) -> list[Delivery]:
        return self.sender.deliver(title, body, severity=severity, skip=skip)

    # ------------------------------------------------------------------ inputs

    def enqueue(self, alert: Alert) -> int | None:
        """Render ``alert``, write it to the outbox (before anything is sent) and look
        at once; return the row id, or None when the alert was already queued."""
        title, body = render(alert, language=self.language, machine=self.machine,
                             zone=self.zone, remind_every=self.remind_every)
        alert_id = self._register.enqueue_alert(alert, title, body)
        self.kick()
        return alert_id

    def kick(self) -> None:
        """A new row was written: look at the outbox now. Safe before ``run`` starts."""
        self._kicked = True
        if self._wake is not None:
            self._wake.set()

    def link_up(self) -> None:
        """A watched link came up, so mail can leave a normally offline PC: make every
        waiting alert due now and look at once."""
        self._register.retry_all_now(self._clock())
        self.kick()

    # -------------------------------------------------------------------- loop

    async def run(self) -> None:
        """Deliver due alerts until cancelled; sleep until the next one is due or a
        ``kick``. A failing register call is logged and retried after a pause: it
        never ends the loop."""
        self._wake = asyncio.Event()
        if self._kicked:
            self._wake.set()
        pause = self._alerts.retry_first
        while True:
            self._wake.clear()
            self._kicked = False
            try:
                if await self._deliver_one():
                    pause = self._alerts.retry_first
                    continue
                delay = self._seconds_to_next_due()
                self._loop_error = None
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # one bad round must not end delivery for good
                first = self._loop_error is None  # a traceback once per episode, not per round
                self._loop_error = f"{type(exc).__name__}: {exc}"
                delay = pause.total_seconds()
                log.error("outbox worker round failed (%s); trying again in %.0fs",
                          self._loop_error, delay, exc_info=first)
                pause = min(pause * 2, self._alerts.retry_max)
            await self._sleep(delay)

    async def _sleep(self, delay: float) -> None:
        """Return after ``delay`` seconds or at a ``kick``, whichever comes first; a
        cancellation always propagates.

        ``asyncio.timeout`` rather than ``asyncio.wait_for``: on Python 3.11,
        ``wait_for`` swallows a cancellation that arrives just as the awaited event
        is set (a ``kick`` racing a stop), so the worker would run on."""
        try:
            async with asyncio_timeout(delay):
                await self._wake.wait()
        except TimeoutError:
            pass

    def _seconds_to_next_due(self) -> float:
        """Return how long to sleep: until the earliest retry or lease end among waiting
        rows, at most ``retry_max`` (a guard against wall-clock jumps)."""
        now = self._clock()
        cap = self._alerts.retry_max.total_seconds()
        due = []
        for row in self._register.outbox():
            if row.permanent_failure or row.delivered_at is not None:
                continue
            at = row.next_attempt_at or now
            if row.claimed_until is not None and row.claimed_until > at:
                at = row.claimed_until
            due.append(at)
        if not due:
            return cap
        return max(0.0, min(cap, (min(due) - now).total_seconds()))

    async def _deliver_one(self) -> bool:
        """Claim one due row and attempt it; return False when none was due."""
        rows = self._register.claim_due_alerts(self._clock(), 1, lease=self._lease)
        if not rows:
            return False
        for row in rows:
            await self._attempt(row)
        return True

    async def _attempt(self, row) -> None:
        if self._last_send is not None:
            wait = self._last_send + self._pace - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        done = self._delivered_to.get(row.id, set())
        started_at = self._clock()
        t0 = time.monotonic()
        failure: NotifyError | None = None
        deliveries: list[Delivery] = []
        try:
            deliveries = await asyncio.to_thread(
                self._deliver, row.title, row.body, row.severity, done)
        except NotifyError as exc:
            failure = exc
        except Exception as exc:  # an apprise bug must not lose the alert: retry it
            log.exception("sending alert %s", row.id)
            failure = NotifyError(f"{type(exc).__name__}: {exc}", permanent=False)
        duration = time.monotonic() - t0
        self._last_send = time.monotonic()
        failed = [d for d in deliveries if not d.ok]
        if failure is None and not failed:
            self._delivered_to.pop(row.id, None)
            delivered_at = self._clock()
            self._register.record_attempt(row.id, True, None, duration, None, delivered_at,
                                          at=started_at)
            self._last_delivery_at = delivered_at
            log.info("alert %s delivered (%s) in %.2fs", row.id, row.title, duration)
            return
        if failure is not None:
            error, permanent = str(failure), failure.permanent
        else:
            error = "; ".join(f"{d.url}: {d.error}" for d in failed)
            permanent = all(d.permanent for d in failed)
            self._delivered_to[row.id] = done | {d.index for d in deliveries if d.ok}
        next_at = None
        if not permanent:
            next_at = self._clock() + backoff(row.attempts + 1, self._alerts.retry_first,
                                              self._alerts.retry_max)
        self._register.record_attempt(row.id, False, error, duration, next_at, None,
                                      permanent=permanent, at=started_at)
        if permanent:
            self._delivered_to.pop(row.id, None)
            log.error("alert %s failed permanently: %s", row.id, error)
        else:
            log.warning("alert %s not delivered (attempt %d), retry at %s: %s",
                        row.id, row.attempts + 1, _iso(next_at), error)

    # ------------------------------------------------------------------ status

    def status(self) -> dict[str, Any]:
        """Return a JSON-able health summary: ``pending``, ``failed`` (undelivered with a
        failed attempt), ``permanent`` (given up), ``last_error``, ``last_delivery_at``,
        ``oldest_pending_at``, ``destinations`` (count) and config ``problems``.

        Until the first send has built the sender (``sender_loaded`` false),
        ``destinations`` counts the configured sources (URLs, config file,
        credential) and ``problems`` is empty: status does not import apprise."""
        summary = dict(self._register.outbox_summary())
        if self._last_delivery_at is None and not self._looked_up_last_delivery:
            self._looked_up_last_delivery = True
            delivered = [r.delivered_at for r in self._register.outbox(include_delivered=True)
                         if r.delivered_at is not None]
            self._last_delivery_at = max(delivered, default=None)
        if self._loop_error and not summary.get("last_error"):
            summary["last_error"] = self._loop_error
        return {
            "pending": summary.get("pending", 0),
            "failed": summary.get("failed", 0),
            "permanent": summary.get("permanent", 0),
            "last_error": summary.get("last_error"),
            "last_delivery_at": _iso(self._last_delivery_at),
            "oldest_pending_at": _iso(summary.get("oldest_pending_at")),
            **self._sender_status(),
        }

    def _sender_status(self) -> dict[str, Any]:
        sender = self._sender
        if sender is None or not sender.loaded:
            a = self._alerts
            return {"destinations": len(a.urls) + (a.config is not None) + bool(a.credential),
                    "problems": [], "sender_loaded": False}
        return {"destinations": len(sender.services),
                "problems": [f"{src}: {msg}" for src, msg in sender.problems],
                "sender_loaded": True}


# ====================================================================== test-alert


def send_test(alerts_config, language: str | None = None, machine: str | None = None, *,
              zone: str | tzinfo = "Asia/Tokyo", credentials_dir: str | Path | None = None,
              clock: Clock | None = None) -> list[tuple[str, bool, str]]:
    """Send a test message through every configured destination now (no outbox, no
    retry); return ``(url_redacted, ok, error)`` per destination, then one
    ``(source, False, problem)`` per configured source that gave no destination.
    An empty list means nothing is configured."""
    sender = build_sender(alerts_config, credentials_dir=credentials_dir)
    language = language or alerts_config.language
    machine = machine or machine_name(alerts_config)
    title, body = render_test(language=language, machine=machine,
                              at=(clock or _utcnow)(), zone=zone)
    out: list[tuple[str, bool, str]] = []
    if sender.services:
        out += [(d.url, d.ok, d.error)
                for d in sender.deliver(title, body, severity=Severity.INFO)]
    out += [(src, False, msg) for src, msg in sender.problems]
    return out
