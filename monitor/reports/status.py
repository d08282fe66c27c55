"""Human texts of the daemon's replies (``status``, ``permit``) in Japanese or English.

Pure functions of a reply dict (as the control socket returns it), a language and
the configured zone: the CLI prints them, tests read them. Light on purpose (the
quick ``status`` command imports it): the catalog and the standard library only.
"""

from __future__ import annotations

from datetime import timedelta, tzinfo
from typing import Any

from monitor.compat import fromisoformat
from monitor.texts import has, t
from monitor.texts.formats import short_duration


def _local(text: str | None, zone: tzinfo, *, date: bool = True) -> str:
    if not text:
        return "-"
    try:
        at = fromisoformat(text).astimezone(zone)
    except ValueError:
        return text
    return at.strftime("%Y-%m-%d %H:%M" if date else "%H:%M")


def _named(lang: str, key: str, value: Any, **values: Any) -> str:
    """Return the catalog text ``key`` + ``value`` if there is one, else ``value`` itself."""
    full = f"{key}.{value}"
    return t(lang, full, **values) if has(lang, full) else str(value)


def _state(reply: dict[str, Any], lang: str) -> str:
    session = reply.get("session")
    state = t(lang, "words.link.online" if reply.get("online") else "words.link.offline")
    if session:
        state += " " + short_duration(timedelta(seconds=session.get("duration_s") or 0), lang)
        state += f" ({', '.join(session.get('interfaces') or [])})"
    return state


def _period(reply: dict[str, Any], lang: str, zone: tzinfo) -> str:
    period = _named(lang, "words.period", reply.get("period"))
    if reply.get("holiday"):
        period += t(lang, "status.holiday", name=reply["holiday"])
    if reply.get("rule"):
        period += f" — {reply['rule']}"
    return period + t(lang, "status.until", time=_local(reply.get("next_change"), zone))


def _lamp(reply: dict[str, Any], lang: str) -> str:
    pattern = reply.get("pattern")
    name = _named(lang, "words.pattern", pattern)
    lamp = _named(lang, "status.lamp", pattern, name=name)
    if reply.get("silenced"):
        lamp += f", {t(lang, 'status.silenced')}"
    return lamp


def _session(session: dict[str, Any], lang: str, zone: tzinfo) -> str:
    permit = session.get("permit")
    ptext = (
        t(lang, "status.none")
        if not permit
        else (
            f"{permit['purpose']}, {permit['company']} ({permit['staff']}), {permit['granted_by']}"
        )
    )
    verdicts = ", ".join(session.get("verdicts") or []) or "-"
    started = _local(session.get("started_at"), zone)
    return (
        f"{session['id']} {t(lang, 'status.since')} {started}, "
        f"{t(lang, 'status.verdicts')}: {verdicts}, {t(lang, 'status.permit')}: {ptext}"
    )


def _outbox(reply: dict[str, Any], lang: str) -> str:
    outbox = reply.get("outbox") or {}
    pending = int(outbox.get("pending") or 0)
    if not pending:
        return t(lang, "status.outbox.sent")
    text = t(lang, "status.outbox.waiting", n=pending)
    if outbox.get("last_error"):
        text += f"; {t(lang, 'status.last_error')}: {outbox['last_error']}"
    return text


def _monitor(reply: dict[str, Any], lang: str, zone: tzinfo) -> str:
    mon = reply.get("monitor") or {}
    text = (
        f"{t(lang, 'status.pid')} {mon.get('pid')}, {t(lang, 'status.since')} "
        f"{_local(mon.get('started_at'), zone)}, {t(lang, 'status.config')} "
        f"{mon.get('config')}"
    )
    failing = [name for name, f in (mon.get("faults") or {}).items() if f.get("failing")]
    if failing:
        text += f"; {t(lang, 'status.faults')}: {', '.join(failing)}"
    return text


def _register(reply: dict[str, Any], lang: str, zone: tzinfo) -> str:
    """The newest thing found wrong with the register (altered, replaced, damaged),
    with when; empty when nothing was."""
    events = ((reply.get("monitor") or {}).get("register") or {}).get("events") or []
    if not events:
        return ""
    newest = events[-1]
    text = f"{_local(newest.get('at'), zone)} {newest.get('detail')}"
    if len(events) > 1:
        text += t(lang, "status.register.more", n=len(events) - 1)
    return text


def _rows(reply: dict[str, Any], lang: str, zone: tzinfo) -> list[tuple[str, str]]:
    rows = [
        ("state", _state(reply, lang)),
        ("period", _period(reply, lang, zone)),
        ("lamp", _lamp(reply, lang)),
    ]
    if reply.get("session"):
        rows.append(("session", _session(reply["session"], lang, zone)))
    ifaces = reply.get("interfaces") or {}
    if ifaces:
        rows.append(
            (
                "ifaces",
                "; ".join(
                    f"{name} {_named(lang, 'words.link', v.get('state', '?'))}"
                    for name, v in ifaces.items()
                ),
            )
        )
    rows.append(("outbox", _outbox(reply, lang)))
    ind = reply.get("indicator") or {}
    rows.append(
        (
            "indicator",
            ", ".join(f"{k}={v}" for k, v in ind.items() if not isinstance(v, (dict, list))) or "-",
        )
    )
    rows.append(("monitor", _monitor(reply, lang, zone)))
    register = _register(reply, lang, zone)
    if register:
        rows.append(("register", register))
    out = [(t(lang, f"status.label.{key}"), value) for key, value in rows]
    present = (reply.get("media") or {}).get("present") or []
    if present:
        out.insert(3, (t(lang, "media.status.label"), _media(present, lang)))
    return out


def _media(present: list[dict[str, Any]], lang: str) -> str:
    """Return the media plugged in now: ``バックアップ1 (/dev/sdb)``, unregistered ones named so."""
    return "; ".join(
        f"{m.get('label') or t(lang, 'media.unregistered')} (/dev/{m.get('device')}, "
        f"{m.get('serial') or t(lang, 'media.no_serial')})"
        for m in present
    )


def format_status_report(reply: dict[str, Any], language: str, zone: tzinfo) -> str:
    """Return the multi-line human summary of a ``status`` reply."""
    lang = "ja" if language == "ja" else "en"
    rows = _rows(reply, lang, zone)
    if lang == "ja":
        return "\n".join(f"{label}: {value}" for label, value in rows)
    width = max(len(label) for label, _ in rows)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)


def format_permit_reply(reply: dict[str, Any], language: str, zone: tzinfo) -> str:
    """Return the confirmation printed after ``link-monitor permit``."""
    lang = "ja" if language == "ja" else "en"
    p = reply.get("permit") or {}
    lines = [
        t(
            lang,
            "status.permit.ok",
            id=p.get("id"),
            purpose=p.get("purpose"),
            company=p.get("company"),
            staff=p.get("staff"),
            expected=p.get("expected"),
            until=_local(p.get("valid_until"), zone, date=False),
            by=p.get("granted_by"),
        )
    ]
    lines.append(
        t(lang, "status.permit.linked", session=reply["session"])
        if reply.get("session")
        else t(lang, "status.permit.wait")
    )
    return "\n".join(lines)
