"""Human texts of the daemon's replies (``status``, ``permit``, ``cancel``, ``report``)
in Japanese or English: words only, never the codes of the ``--json`` form.

Pure functions of a reply dict (as the control socket returns it), a language and
the configured zone: the CLI prints them, tests read them. Light on purpose (the
quick ``status`` command imports it): the catalog and the standard library only.
"""

from __future__ import annotations

from datetime import timedelta, tzinfo
from typing import Any

from monitor.compat import fromisoformat
from monitor.texts import has, t
from monitor.texts.formats import rule_words, short_duration


def local(text: str | None, zone: tzinfo, *, date: bool = True) -> str:
    """Return an ISO instant as local ``YYYY-MM-DD HH:MM`` (or ``HH:MM``); "-" for none."""
    if not text:
        return "-"
    try:
        at = fromisoformat(text).astimezone(zone)
    except ValueError:
        return text
    return at.strftime("%Y-%m-%d %H:%M" if date else "%H:%M")


def named(lang: str, key: str, value: Any, **values: Any) -> str:
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
    period = named(lang, "words.period", reply.get("period"))
    if reply.get("holiday"):
        period += t(lang, "status.holiday", name=reply["holiday"])
    if reply.get("rule"):
        period += f" — {rule_words(reply['rule'], lang)}"
    return period + t(lang, "status.until", time=local(reply.get("next_change"), zone))


def _lamp(reply: dict[str, Any], lang: str) -> str:
    pattern = reply.get("pattern")
    lamp = named(lang, "status.lamp", pattern, name=named(lang, "words.pattern", pattern))
    if reply.get("silenced"):
        lamp += t(lang, "status.comma") + t(lang, "status.silenced")
    return lamp


def permit_words(p: dict[str, Any], lang: str, zone: tzinfo) -> str:
    """Return one permit in words: purpose, company (staff), attendant, until, by whom."""
    text = t(
        lang,
        "status.permit.words",
        id=p.get("id"),
        purpose=named(lang, "words.purpose", p.get("purpose")),
        company=p.get("company"),
        staff=p.get("staff"),
        until=local(p.get("valid_until"), zone, date=False),
        by=granted_by(p, lang),
    )
    if p.get("attendant"):
        text += t(lang, "status.comma") + t(lang, "status.attendant", name=p["attendant"])
    if p.get("note"):
        text += t(lang, "status.comma") + t(lang, "status.note", note=p["note"])
    return text


def granted_by(p: dict[str, Any], lang: str) -> str:
    """Return who granted a permit: the login, with the effective user beside it (sudo)."""
    if p.get("granted_as"):
        return t(lang, "status.as", login=p.get("granted_by"), user=p["granted_as"])
    return str(p.get("granted_by"))


def _blind(blind: dict[str, Any], lang: str, zone: tzinfo) -> str:
    return t(
        lang,
        "status.blind",
        patterns=", ".join(blind.get("interfaces") or []),
        present=", ".join(blind.get("present_on_machine") or []) or t(lang, "status.none"),
        since=local(blind.get("since"), zone),
    )


def _session(session: dict[str, Any], lang: str, zone: tzinfo) -> str:
    permit = session.get("permit")
    ptext = t(lang, "status.none") if not permit else permit_words(permit, lang, zone)
    verdicts = t(lang, "status.comma").join(
        named(lang, "words.verdict", v) for v in session.get("verdicts") or []
    )
    return t(
        lang,
        "status.session",
        id=session["id"],
        started=local(session.get("started_at"), zone),
        verdicts=verdicts or "-",
        permit=ptext,
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


def _indicator(ind: dict[str, Any], lang: str) -> str:
    if not ind or "kind" not in ind:
        return t(lang, "status.indicator.unknown")
    if ind.get("pattern") is None:
        return named(lang, "status.kind", ind.get("kind"))
    text = t(
        lang,
        "status.indicator.shows",
        kind=named(lang, "status.kind", ind.get("kind")),
        pattern=named(lang, "words.pattern", ind.get("pattern")),
    )
    if ind.get("silenced"):
        text += t(lang, "status.comma") + t(lang, "status.silenced")
    if ind.get("closed"):
        text += t(lang, "status.comma") + t(lang, "status.indicator.closed")
    return text


def _monitor(reply: dict[str, Any], lang: str, zone: tzinfo) -> str:
    mon = reply.get("monitor") or {}
    text = t(
        lang,
        "status.monitor",
        pid=mon.get("pid"),
        since=local(mon.get("started_at"), zone),
        config=mon.get("config"),
    )
    failing = [name for name, f in (mon.get("faults") or {}).items() if f.get("failing")]
    if failing:
        parts = t(lang, "status.comma").join(named(lang, "status.part", n) for n in failing)
        text += t(lang, "status.faults", parts=parts)
    jumps = reply.get("clock_jumps") or {}
    if jumps.get("jumps") and jumps.get("last_jump"):
        by = jumps["last_jump"].get("by_s", 0.0)
        text += t(lang, "status.clock_jumped", n=jumps["jumps"], by=by)
    return text


def _unreported(reply: dict[str, Any], lang: str, zone: tzinfo) -> str | None:
    sessions = reply.get("unreported")
    if not isinstance(sessions, list) or not sessions:
        return None
    shown = [
        t(lang, "status.unreported.one", id=s.get("id"), started=local(s.get("started_at"), zone))
        for s in sessions[-3:]
    ]
    return t(lang, "status.unreported.list", n=len(sessions), sessions=" ".join(shown))


def _register(reply: dict[str, Any], lang: str, zone: tzinfo) -> str:
    """The newest thing found wrong with the register (altered, replaced, damaged),
    with when; empty when nothing was."""
    events = ((reply.get("monitor") or {}).get("register") or {}).get("events") or []
    if not events:
        return ""
    newest = events[-1]
    text = f"{local(newest.get('at'), zone)} {newest.get('detail')}"
    if len(events) > 1:
        text += t(lang, "status.register.more", n=len(events) - 1)
    return text


def _rows(reply: dict[str, Any], lang: str, zone: tzinfo) -> list[tuple[str, str]]:
    rows = [
        ("state", _state(reply, lang)),
        ("period", _period(reply, lang, zone)),
        ("lamp", _lamp(reply, lang)),
    ]
    if reply.get("blind"):
        rows.insert(0, ("blind", _blind(reply["blind"], lang, zone)))
    if reply.get("session"):
        rows.append(("session", _session(reply["session"], lang, zone)))
    for p in reply.get("pending_permits") or []:
        rows.append(("waiting", permit_words(p, lang, zone)))
    unreported = _unreported(reply, lang, zone)
    if unreported:
        rows.append(("unreported", unreported))
    ifaces = reply.get("interfaces") or {}
    if ifaces:
        rows.append(
            (
                "ifaces",
                t(lang, "status.comma").join(
                    f"{name} {named(lang, 'words.link', v.get('state', '?'))}"
                    for name, v in ifaces.items()
                ),
            )
        )
    rows.append(("outbox", _outbox(reply, lang)))
    rows.append(("indicator", _indicator(reply.get("indicator") or {}, lang)))
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
    lines = [t(lang, "status.permit.ok", permit=permit_words(p, lang, zone))]
    lines.append(
        t(lang, "status.permit.linked", session=reply["session"])
        if reply.get("session")
        else t(lang, "status.permit.wait")
    )
    return "\n".join(lines)


def format_cancel_reply(reply: dict[str, Any], language: str, zone: tzinfo) -> str:
    """Return the confirmation printed after ``link-monitor permit --cancel``."""
    lang = "ja" if language == "ja" else "en"
    p = reply.get("permit") or {}
    lines = [t(lang, "status.cancel.ok", permit=permit_words(p, lang, zone))]
    if reply.get("session"):
        lines.append(t(lang, "status.cancel.unlinked", session=reply["session"]))
    return "\n".join(lines)


def format_report_reply(reply: dict[str, Any], language: str, zone: tzinfo) -> str:
    """Return the confirmation printed after ``link-monitor work-report``: the report and
    how it compares with the permit's plan."""
    lang = "ja" if language == "ja" else "en"
    r = reply.get("report") or {}
    s = reply.get("session") or {}
    lines = [
        t(
            lang,
            "status.report.ok",
            id=s.get("id"),
            started=local(s.get("started_at"), zone),
            ended=local(s.get("ended_at"), zone, date=False),
        )
    ]
    deviations = r.get("deviations") or []
    if deviations:
        said = t(lang, "status.comma").join(named(lang, "words.deviation", d) for d in deviations)
        lines.append(t(lang, "status.report.differs", deviations=said))
    else:
        lines.append(t(lang, "status.report.as_planned"))
    return "\n".join(lines)
