"""Alert texts: ``(title, body)`` of an alert in Japanese or English, from the catalog.

The title is ``[<kind>] <text>`` (+ reminder number) ``- <machine>`` so that mail
rules can route on the bracketed identifier, which is never translated; the body
is plain text with one ``label: value`` per line, then what to do. Every word
comes from the catalog area ``alerts`` (``monitor/texts/alerts.py``).
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from monitor.alerts.media import is_media, media_lead, media_lines
from monitor.domain.enums import AlertKind, Severity, Verdict
from monitor.domain.model import Ack, Alert, Permit, Session
from monitor.texts import has, t
from monitor.texts.formats import format_bytes, format_elapsed, format_local, rule_words

LANGUAGES = ("ja", "en")

# Monitor alerts whose detail code means something is broken: staff should look.
_FAULT_DETAILS = (
    "indicator-fault",
    "watcher-fault",
    "register-fault",
    "delivery-fault",
    "clock-jump",
    "no-interface",
    "clock-behind",
    "media-fault",
)


def _t(language: str, key: str, **values: Any) -> str:
    return t(language, f"alerts.{key}", **values)


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: use one of {', '.join(LANGUAGES)}")


def _zone(zone: str | tzinfo) -> tzinfo:
    return ZoneInfo(zone) if isinstance(zone, str) else zone


def _field(lines: list[str], label: str, value: str) -> None:
    lines.append(f"{label}: {value}")


def _kind_title(alert: Alert, language: str) -> str:
    if alert.kind == AlertKind.MONITOR:
        key = f"title.monitor.{subject_code(alert.detail)}"
        if has(language, f"alerts.{key}"):
            return _t(language, key)
    text = _t(language, f"title.{alert.kind}")
    if alert.kind == AlertKind.OVERDUE and alert.reminder:
        text += _t(language, "reminder", n=alert.reminder)
    return text


def _after_crash(more: str, language: str, tz: tzinfo) -> str | None:
    """Return the start notice after a crash (``more`` = ``after-crash SINCE UNTIL``,
    ISO instants), or None when ``more`` is not that."""
    words = more.split()
    if len(words) != 3 or words[0] != "after-crash":
        return None
    try:
        since, until = (datetime.fromisoformat(w) for w in words[1:])
    except ValueError:
        return None
    return _t(
        language,
        "detail.started-after-crash",
        since=format_local(since, tz, language),
        until=format_local(until, tz, language),
    )


def _monitor_detail(detail: str, language: str, tz: tzinfo) -> str:
    """Return the people's text for a monitor alert's ``detail`` (``code`` or
    ``code: more``); an unknown code is shown as it is."""
    code, _, more = detail.partition(":")
    if code.strip() == "started" and (text := _after_crash(more, language, tz)):
        return text
    key = f"detail.{code.strip()}"
    if has(language, f"alerts.{key}"):
        text = _t(language, key)
        return f"{text} ({more.strip()})" if more.strip() else text
    return detail


def render(
    alert: Alert,
    *,
    language: str = "ja",
    machine: str,
    zone: str | tzinfo = "Asia/Tokyo",
    remind_every: timedelta | None = None,
    contact: str = "",
    acks: Sequence[Ack] = (),
    head: tuple[int, str] | None = None,
) -> tuple[str, str]:
    """Return ``(title, body)`` of ``alert`` in ``language`` ("ja" or "en").

    The title is ``[<kind>] <text>`` (+ reminder number) ``- <machine>``; a monitor
    alert's text names what happened (start, stop, reload, a restart after a crash,
    each fault). The body is plain text with one ``label: value`` per line, then what
    to do under a heading, or a plain note when there is nothing to do. Times are shown
    in ``zone``. ``remind_every`` (optional) is mentioned in overdue alerts; ``contact``
    (``alerts.contact``) is who to call first about a clinic-hours connection; ``acks``
    are who silenced the alarm (the resolved mail). ``head`` (record number, hash) of the
    register is shown in ``resolved`` and ``monitor`` alerts: the mailbox keeps a trail
    of heads that ``verify --anchor`` can check. Raise ValueError for an unknown
    language or a naive time."""
    _check_language(language)
    tz = _zone(zone)
    L = language  # short on purpose: used on every line below
    title = f"[{alert.kind}] {_kind_title(alert, L)} - {machine}"
    media = is_media(alert)
    lead = media_lead(alert, L) if media else _t(L, _lead(alert))
    lines: list[str] = [lead, ""]
    _field(lines, _t(L, "f.machine"), machine)
    _field(lines, _t(L, "f.severity"), _t(L, f"sev.{alert.severity}"))
    if media:
        media_lines(lines, alert, tz, L)
    elif alert.kind == AlertKind.MONITOR or alert.session is None:
        _monitor_lines(lines, alert, tz, L)
    else:
        _session_lines(lines, alert, alert.session, tz, L)
        _ack_lines(lines, acks, tz, L)
        every = format_elapsed(remind_every, L) if remind_every else ""
        todo = [
            _t(L, key, every=every, contact=contact) for key in _todo(alert, remind_every, contact)
        ]
        _todo_lines(lines, todo, L)
    if head is not None and alert.kind in (AlertKind.RESOLVED, AlertKind.MONITOR):
        lines += ["", f"{_t(L, 'f.head')}: {_t(L, 'head', seq=head[0], hash=head[1])}"]
    return title, "\n".join([*lines, "", _t(L, "footer")]) + "\n"


def _todo_lines(lines: list[str], todo: list[str], L: str) -> None:
    """Add what to do under its heading, or the plain note that nothing is to be done."""
    if todo:
        lines += ["", _t(L, "f.todo") + ":", *todo]
    else:
        lines += ["", _t(L, "note.nothing")]


def _ack_lines(lines: list[str], acks: Sequence[Ack], tz: tzinfo, L: str) -> None:
    """Add who silenced the alarm, when and from where (or that no one did)."""
    for a in acks:
        source = (
            _t(L, f"ack_source.{a.source}") if has(L, f"alerts.ack_source.{a.source}") else a.source
        )
        who = a.by if a.by and a.by != a.source else _t(L, "ack_nobody")
        _field(
            lines,
            _t(L, "f.ack"),
            _t(L, "ack", at=format_local(a.at, tz, L), by=who, source=source),
        )


def subject_code(detail: str) -> str:
    """Return the code naming a monitor alert's subject: the detail's code, with a
    start after a crash (``started: after-crash ...``) told apart."""
    code, _, more = detail.partition(":")
    code = code.strip()
    if code == "started" and more.strip().startswith("after-crash"):
        return "started-after-crash"
    return code


def _clock_note(note: str, L: str) -> str:
    """Return the people's text of a session's clock note ("unsynchronised 16")."""
    code, _, error = note.partition(" ")
    if code != "unsynchronised":
        return note
    try:
        seconds = float(error)
    except ValueError:
        return _t(L, "clock.unsynchronised_unknown")
    return _t(L, "clock.unsynchronised", error=f"{seconds:g}")


def _lead(alert: Alert) -> str:
    """Return the key of the alert's first line: a resolved session says how it ended
    (only an unplugged cable is "the LAN cable was unplugged")."""
    s = alert.session
    if alert.kind == AlertKind.RESOLVED and s is not None and s.end_reason is not None:
        key = f"lead.resolved.{s.end_reason}"
        if has("ja", f"alerts.{key}"):
            return key
    return f"lead.{alert.kind}"


def _monitor_lines(lines: list[str], alert: Alert, tz: tzinfo, L: str) -> None:
    """Add the fields and the advice of a monitor alert (no session)."""
    _field(lines, _t(L, "f.at"), format_local(alert.at, tz, L))
    if alert.detail:
        _field(lines, _t(L, "f.detail"), _monitor_detail(alert.detail, L, tz))
    code = subject_code(alert.detail)
    broken = code in _FAULT_DETAILS or alert.severity != Severity.INFO
    if code.startswith("register-") and code != "register-fault":
        _todo_lines(lines, [_t(L, "todo.register")], L)
    else:
        _todo_lines(lines, [_t(L, "todo.check_monitor")] if broken else [], L)


def _session_lines(lines: list[str], alert: Alert, s: Session, tz: tzinfo, L: str) -> None:
    """Add the fields of a session alert: times, period, verdicts, permit, summary."""
    interfaces = ", ".join(sorted(s.interfaces)) or _t(L, "unknown_interface")
    _field(lines, _t(L, "f.interfaces"), interfaces)
    _field(lines, _t(L, "f.started"), format_local(s.started_at, tz, L))
    if s.clock_note:
        _field(lines, _t(L, "f.clock"), _clock_note(s.clock_note, L))
    if alert.kind == AlertKind.RESOLVED:
        _ended_lines(lines, s, alert.at, tz, L)
        if s.end_reason is not None:
            _field(lines, _t(L, "f.ended_how"), _t(L, f"end.{s.end_reason}"))
    else:
        _field(lines, _t(L, "f.elapsed"), format_elapsed(s.duration(alert.at), L))
        if alert.limit is not None:
            _field(lines, _t(L, "f.limit"), format_elapsed(alert.limit, L))
        _field(lines, _t(L, "f.at"), format_local(alert.at, tz, L))
        _period_lines(lines, alert, L)
    verdicts: list[Verdict] = [v for v in s.verdicts if v != Verdict.PERMITTED] or list(s.verdicts)
    if verdicts:
        joiner = "、" if L == "ja" else ", "
        _field(lines, _t(L, "f.verdicts"), joiner.join(_t(L, f"verdict.{v}") for v in verdicts))
    _permit_lines(lines, s.permit, tz, L)
    if alert.kind == AlertKind.RESOLVED:
        _field(lines, _t(L, "f.alerts"), _alert_summary(s.alerts, L))
        traffic = _t(
            L, "traffic", sent=format_bytes(s.bytes_sent), received=format_bytes(s.bytes_received)
        )
        _field(lines, _t(L, "f.traffic"), traffic)


def _ended_lines(lines: list[str], s: Session, at: datetime, tz: tzinfo, L: str) -> None:
    """Add when the session ended and how long it lasted: for one that ended while the
    monitor was down, "between" its last seen and the restart, and "at least"."""
    duration = format_elapsed(s.duration(at), L)
    if s.ended_at is not None and s.ended_by is not None:
        first, last = (format_local(x, tz, L) for x in (s.ended_at, s.ended_by))
        _field(lines, _t(L, "f.ended"), _t(L, "ended_between", first=first, last=last))
        _field(lines, _t(L, "f.duration"), _t(L, "at_least", duration=duration))
        return
    if s.ended_at is not None:
        _field(lines, _t(L, "f.ended"), format_local(s.ended_at, tz, L))
    _field(lines, _t(L, "f.duration"), duration)


def _period_lines(lines: list[str], alert: Alert, L: str) -> None:
    """Add the period the alert was raised in (its rule and holiday, if any)."""
    if alert.period is None:
        return
    p = alert.period
    _field(lines, _t(L, "f.period"), _t(L, f"period.{p.period}"))
    if p.rule:
        _field(lines, _t(L, "f.rule"), rule_words(p.rule, L))
    if p.holiday:
        _field(lines, _t(L, "f.holiday"), p.holiday)


def _permit_lines(lines: list[str], p: Permit | None, tz: tzinfo, L: str) -> None:
    """Add the session's permit, or "none"."""
    if p is None:
        _field(lines, _t(L, "f.permit"), _t(L, "none"))
        return
    _field(lines, _t(L, "f.permit"), _t(L, f"purpose.{p.purpose}"))
    _field(lines, "  " + _t(L, "f.company"), p.company)
    _field(lines, "  " + _t(L, "f.staff"), p.staff)
    if p.attendant:
        _field(lines, "  " + _t(L, "f.attendant"), p.attendant)
    _field(lines, "  " + _t(L, "f.expected"), format_elapsed(p.expected, L))
    _field(lines, "  " + _t(L, "f.granted_by"), p.granted_by)
    _field(lines, "  " + _t(L, "f.granted_at"), format_local(p.granted_at, tz, L))
    if p.after_the_fact:
        _field(lines, "  " + _t(L, "f.after_the_fact"), _t(L, "yes"))
    if p.note:
        _field(lines, "  " + _t(L, "f.note"), p.note)


def _todo(alert: Alert, remind_every: timedelta | None, contact: str = "") -> list[str]:
    """Return the text keys of what staff should do about a session alert (none: the
    mail says so without a heading)."""
    kind = alert.kind
    has_permit = alert.session is not None and alert.session.permit is not None
    if kind == AlertKind.CLINIC_HOURS:
        call = "todo.call_contact" if contact else "todo.call_clinic"
        return [call, "todo.unplug_now", "todo.permit_after", "todo.ack"]
    if kind == AlertKind.RESOLVED:
        return ["todo.work_report"]
    out = ["todo.unplug_if_done"]
    if not has_permit:
        out.append("todo.permit")
    if kind == AlertKind.OVERDUE and remind_every:
        out.append("todo.remind")
    return out


def _alert_summary(alerts: Iterable[Any], language: str) -> str:
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


def render_test(
    *, language: str = "ja", machine: str, at: datetime, zone: str | tzinfo = "Asia/Tokyo"
) -> tuple[str, str]:
    """Return ``(title, body)`` of the ``test-alert`` message; raise ValueError for an
    unknown language."""
    _check_language(language)
    tz = _zone(zone)
    title = f"[test] {_t(language, 'title.test')} - {machine}"
    lines = [_t(language, "lead.test"), ""]
    _field(lines, _t(language, "f.machine"), machine)
    _field(lines, _t(language, "f.at"), format_local(at, tz, language))
    return title, "\n".join([*lines, "", _t(language, "footer")]) + "\n"


def machine_name(alerts_config: Any) -> str:
    """Return ``alerts.machine`` or, when unset, this host's name."""
    return str(alerts_config.machine or socket.gethostname())
