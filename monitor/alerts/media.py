"""The body of a removable-media alert (``media-online``, ``unregistered-media``,
``media-clinic-hours``, ``media-left-in``): the medium, its ledger entry, the
connection, and what to do. Words from the catalog area ``media``."""

from __future__ import annotations

from datetime import tzinfo

from monitor.domain.enums import AlertKind
from monitor.domain.model import Alert
from monitor.texts import t
from monitor.texts.formats import format_bytes, format_local

MEDIA_KINDS = frozenset(
    {
        AlertKind.MEDIA_ONLINE,
        AlertKind.UNREGISTERED_MEDIA,
        AlertKind.MEDIA_CLINIC_HOURS,
        AlertKind.MEDIA_LEFT_IN,
    }
)

_TODO = {
    AlertKind.MEDIA_ONLINE: ("todo.pull_out", "todo.ack_lamp"),
    AlertKind.UNREGISTERED_MEDIA: ("todo.check_owner", "todo.register"),
    AlertKind.MEDIA_CLINIC_HOURS: ("todo.check_owner",),
    AlertKind.MEDIA_LEFT_IN: ("todo.safe",),
}


def is_media(alert: Alert) -> bool:
    return alert.kind in MEDIA_KINDS


def _wireless(alert: Alert, is_wireless) -> list[str]:
    s = alert.session
    return sorted(n for n in (s.interfaces if s else ()) if is_wireless(n))


def media_lead(alert: Alert, language: str, is_wireless) -> str:
    """Return the body's first line; rule ア's wording when a wireless link is online."""
    if alert.kind == AlertKind.MEDIA_ONLINE and _wireless(alert, is_wireless):
        return t(language, "media.lead.media-online.wireless")
    return t(language, f"alerts.lead.{alert.kind}")


def media_lines(lines: list[str], alert: Alert, tz: tzinfo, L: str, is_wireless) -> None:
    """Add the fields and the advice of a media alert."""

    def field(key: str, value: str) -> None:
        lines.append(f"{t(L, f'media.f.{key}')}: {value}")

    lines.append(f"{t(L, 'alerts.f.at')}: {format_local(alert.at, tz, L)}")
    obs = alert.medium
    if obs is not None:
        m = obs.medium
        field("medium", " ".join(x for x in (m.vendor, m.model) if x) or m.device)
        reg = obs.registered
        if reg is None:
            field("label", t(L, "media.unregistered"))
        elif not reg.active:
            reason = t(L, f"media.reason.{reg.retire_reason}") if reg.retire_reason else ""
            field("label", f"{reg.label} " + t(L, "media.retired", reason=reason))
        else:
            field("label", reg.label)
            field("holder", reg.holder)
            field("purpose", reg.purpose)
        field("serial", m.serial or t(L, "media.no_serial"))
        field("device", f"/dev/{m.device} ({m.driver or '-'})")
        field("size", format_bytes(m.size_bytes))
        field("inserted", format_local(obs.at, tz, L))
    s = alert.session
    if alert.kind == AlertKind.MEDIA_ONLINE and s is not None:
        names = [
            t(L, "media.wireless", name=n) if is_wireless(n) else n for n in sorted(s.interfaces)
        ]
        field("interfaces", ", ".join(names) or t(L, "alerts.unknown_interface"))
    lines += ["", t(L, "alerts.f.todo") + ":"]
    lines += [t(L, f"media.{key}") for key in _TODO.get(alert.kind, ())]
