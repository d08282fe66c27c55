"""Human texts of the daemon's replies (``status``, ``permit``) in Japanese or English.

Pure functions of a reply dict (as the control socket returns it), a language and
the configured zone: the CLI prints them, tests read them.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any

from monitor.texts.formats import short_duration

_T = {
    "ja": {
        "state": "状態", "period": "時間帯", "lamp": "ランプ", "session": "接続",
        "ifaces": "インターフェース", "outbox": "通知", "indicator": "表示器",
        "monitor": "監視", "online": "接続中", "offline": "未接続", "removed": "取り外し",
        "clinic": "診療時間", "maintenance": "保守時間", "off-hours": "時間外",
        "off": "消灯", "on": "点灯", "warn": "点滅（注意）", "alarm": "速い点滅＋ブザー（警報）",
        "silenced": "ブザー確認済み", "none": "なし", "since": "開始", "verdicts": "判定",
        "permit": "許可", "until": "まで", "sent": "送信待ちなし", "waiting": "送信待ち {n}件",
        "last_error": "最後のエラー", "pid": "プロセス", "config": "設定", "faults": "異常",
        "perm_ok": "許可 {id} を記録しました: {purpose}, {company}（{staff}）, {expected}"
                   "（{until}まで）, 許可した人 {by}",
        "perm_linked": "現在の接続 {session} に結び付けました。",
        "perm_wait": "この時間内に始まる接続に結び付けます。",
        "holiday": "休日",
    },
    "en": {
        "state": "State", "period": "Period", "lamp": "Lamp", "session": "Session",
        "ifaces": "Interfaces", "outbox": "Outbox", "indicator": "Indicator",
        "monitor": "Monitor", "online": "online", "offline": "offline", "removed": "removed",
        "clinic": "clinic hours", "maintenance": "maintenance window", "off-hours": "off-hours",
        "off": "off", "on": "on (steady)", "warn": "slow blink (WARN)",
        "alarm": "fast blink + buzzer (ALARM)", "silenced": "buzzer acknowledged",
        "none": "none", "since": "since", "verdicts": "verdicts", "permit": "permit",
        "until": "until", "sent": "nothing waiting", "waiting": "{n} alert(s) waiting",
        "last_error": "last error", "pid": "pid", "config": "config", "faults": "faults",
        "perm_ok": "Permit {id} recorded: {purpose}, {company} ({staff}), {expected} "
                   "(until {until}), granted by {by}",
        "perm_linked": "Linked to the current session {session}.",
        "perm_wait": "It will cover a connection that starts within that time.",
        "holiday": "holiday",
    },
}


def _local(text: str | None, zone: tzinfo, *, date: bool = True) -> str:
    if not text:
        return "-"
    try:
        t = datetime.fromisoformat(text).astimezone(zone)
    except ValueError:
        return text
    return t.strftime("%Y-%m-%d %H:%M" if date else "%H:%M")


def format_status_report(reply: dict[str, Any], language: str, zone: tzinfo) -> str:
    """Return the multi-line human summary of a ``status`` reply."""
    t = _T["ja" if language == "ja" else "en"]
    lang = "ja" if language == "ja" else "en"
    rows: list[tuple[str, str]] = []
    session = reply.get("session")
    online = bool(reply.get("online"))
    state = t["online" if online else "offline"]
    if session:
        state += " " + short_duration(timedelta(seconds=session.get("duration_s") or 0), lang)
        state += f" ({', '.join(session.get('interfaces') or [])})"
    rows.append((t["state"], state))
    period = t.get(str(reply.get("period")), str(reply.get("period")))
    if reply.get("holiday"):
        period += f" [{t['holiday']}: {reply['holiday']}]"
    if reply.get("rule"):
        period += f" — {reply['rule']}"
    period += f" ({t['until']} {_local(reply.get('next_change'), zone)})" if lang == "en" \
        else f"（{_local(reply.get('next_change'), zone)} {t['until']}）"
    rows.append((t["period"], period))
    lamp = t.get(str(reply.get("pattern")), str(reply.get("pattern")))
    if reply.get("silenced"):
        lamp += f", {t['silenced']}"
    rows.append((t["lamp"], lamp))
    if session:
        permit = session.get("permit")
        ptext = t["none"] if not permit else (
            f"{permit['purpose']}, {permit['company']} ({permit['staff']}), "
            f"{permit['granted_by']}")
        verdicts = ", ".join(session.get("verdicts") or []) or "-"
        started = _local(session.get("started_at"), zone)
        text = (f"{session['id']} {t['since']} {started}, "
                f"{t['verdicts']}: {verdicts}, {t['permit']}: {ptext}")
        rows.append((t["session"], text))
    ifaces = reply.get("interfaces") or {}
    if ifaces:
        rows.append((t["ifaces"], "; ".join(
            f"{name} {t.get(v.get('state', ''), v.get('state', '?'))}"
            for name, v in ifaces.items())))
    outbox = reply.get("outbox") or {}
    pending = int(outbox.get("pending") or 0)
    otext = t["waiting"].format(n=pending) if pending else t["sent"]
    if outbox.get("last_error") and pending:
        otext += f"; {t['last_error']}: {outbox['last_error']}"
    rows.append((t["outbox"], otext))
    ind = reply.get("indicator") or {}
    rows.append((t["indicator"], ", ".join(f"{k}={v}" for k, v in ind.items()
                                           if not isinstance(v, (dict, list))) or "-"))
    mon = reply.get("monitor") or {}
    mtext = f"{t['pid']} {mon.get('pid')}, {t['since']} {_local(mon.get('started_at'), zone)}, " \
        f"{t['config']} {mon.get('config')}"
    failing = [name for name, f in (mon.get("faults") or {}).items() if f.get("failing")]
    if failing:
        mtext += f"; {t['faults']}: {', '.join(failing)}"
    rows.append((t["monitor"], mtext))
    width = max(len(label) for label, _ in rows)
    if lang == "ja":
        return "\n".join(f"{label}: {value}" for label, value in rows)
    return "\n".join(f"{label.ljust(width)}  {value}" for label, value in rows)


def format_permit_reply(reply: dict[str, Any], language: str, zone: tzinfo) -> str:
    """Return the confirmation printed after ``link-monitor permit``."""
    t = _T["ja" if language == "ja" else "en"]
    p = reply.get("permit") or {}
    lines = [t["perm_ok"].format(id=p.get("id"), purpose=p.get("purpose"),
                                 company=p.get("company"), staff=p.get("staff"),
                                 expected=p.get("expected"),
                                 until=_local(p.get("valid_until"), zone, date=False),
                                 by=p.get("granted_by"))]
    lines.append(t["perm_linked"].format(session=reply["session"]) if reply.get("session")
                 else t["perm_wait"])
    return "\n".join(lines)
