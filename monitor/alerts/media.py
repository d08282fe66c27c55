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


def wireless(alert: Alert) -> frozenset[str]:
    """Return the wireless links the engine saw online (``detail`` ``wireless:wlan0,...``)."""
    code, _, names = alert.detail.partition(":")
    return frozenset(n for n in names.split(",") if n) if code == "wireless" else frozenset()


def media_lead(alert: Alert, language: str) -> str:
    """Return the body's first line; rule ア's wording when a wireless link is online."""
    if alert.kind == AlertKind.MEDIA_ONLINE and wireless(alert):
        return t(language, "media.lead.media-online.wireless")
    return t(language, f"alerts.lead.{alert.kind}")


def media_lines(lines: list[str], alert: Alert, tz: tzinfo, L: str) -> None:
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
        air = wireless(alert)
        names = [t(L, "media.wireless", name=n) if n in air else n for n in sorted(s.interfaces)]
        field("interfaces", ", ".join(names) or t(L, "alerts.unknown_interface"))
    lines += ["", t(L, "alerts.f.todo") + ":"]
    lines += [t(L, f"media.{key}") for key in _TODO.get(alert.kind, ())]
