"""What the daemon tells about itself: the ``systemctl status`` line and the reply
to ``link-monitor status``."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from typing import Any

from monitor import __version__
from monitor.compat import UTC
from monitor.daemon.faults import Faults
from monitor.daemon.requests import unreported_json
from monitor.daemon.runtime import Runtime
from monitor.daemon.sight import Sight
from monitor.daemon.traffic import TrafficMeter
from monitor.daemon.writes import WriteQueue
from monitor.domain.enums import Pattern
from monitor.domain.model import LinkObserved, Session
from monitor.reports.views import permit_json
from monitor.sdnotify import format_status
from monitor.texts import t


def iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def _guarded(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except Exception as exc:  # noqa: BLE001 - status shows the error instead of failing
        return {"error": f"{type(exc).__name__}: {exc}"}


def _interface_json(obs: LinkObserved) -> dict[str, Any]:
    state = "online" if obs.online else ("removed" if not obs.present else "offline")
    return {
        "state": state,
        "online": obs.online,
        "carrier": obs.carrier,
        "operstate": obs.operstate,
        "admin_up": obs.admin_up,
        "since": iso(obs.at),
    }


class StatusView:
    """The status line (sent to systemd when it changes) and the status reply."""

    def __init__(
        self,
        rt: Runtime,
        faults: Faults,
        writes: WriteQueue,
        traffic: TrafficMeter,
        sight: Sight,
        integrity: Callable[[], dict[str, Any]] = dict,
    ):
        self._rt = rt
        self._sight = sight
        self._integrity = integrity
        self._faults = faults
        self._writes = writes
        self._traffic = traffic
        self._sent: str | None = None
        self.clock_json: Callable[[], dict[str, Any] | None] = lambda: None
        self.jumps_json: Callable[[], dict[str, Any]] = dict  # the wall clock's jumps
        self.media: Any = None  # the daemon's MediaWatching (its ``watcher``), once built

    def line(self, now: datetime, *, stopping: bool = False) -> str:
        """Return the one-line state for systemd's ``STATUS=``; never raise."""
        rt = self._rt
        lang = rt.config.alerts.language
        if stopping:
            return t(lang, "statusline.stopping")
        s = rt.state.session
        period: object
        try:
            period = rt.schedule.at(now).period
        except Exception:  # noqa: BLE001 - the status line must never fail
            period = "?"
        try:
            pending = int(rt.register.outbox_summary().get("pending") or 0)
        except Exception:  # noqa: BLE001 - the status line must never fail
            pending = 0
        line = format_status(
            online=bool(rt.state.online),
            since=(now - s.started_at) if s else None,
            period=str(period),
            pattern=self._sight.shown(rt.state.pattern),
            language=lang,
            pending=pending,
            silenced=rt.state.silenced,
        )
        line += self._sight.line(lang)
        failing = self._faults.failing()
        if failing:
            line += t(lang, "statusline.faults", parts=", ".join(failing))
        return line

    def publish(self, now: datetime) -> None:
        """Send the status line to systemd if it changed."""
        notifier = self._rt.parts.notifier
        if not notifier.enabled:
            return
        text = self.line(now)
        if text != self._sent:
            self._sent = text
            notifier.status(text)

    def session_json(self, s: Session | None, now: datetime) -> dict[str, Any] | None:
        if s is None:
            return None
        sent, received = self._traffic.totals()
        return {
            "id": s.id,
            "started_at": iso(s.started_at),
            "duration_s": round(s.duration(now).total_seconds(), 3),
            "interfaces": sorted(s.interfaces),
            "periods": sorted(str(p) for p in s.periods),
            "verdicts": [str(v) for v in s.verdicts],
            "worst": str(s.worst),
            "permit": permit_json(s.permit, UTC),
            "alerts": [
                {"kind": str(a.kind), "reminder": a.reminder, "at": iso(a.at)} for a in s.alerts
            ],
            "overdue_at": iso(s.started_at + self._rt.engine.overdue_limit(s)),
            "bytes_sent": sent,
            "bytes_received": received,
        }

    def status(self) -> dict[str, Any]:
        """Return the JSON-able state for ``link-monitor status``."""
        rt = self._rt
        now = rt.now()
        st = rt.state
        info = rt.schedule.at(now)
        watcher = rt.watcher
        return {
            "online": bool(st.online),
            "interfaces": {name: _interface_json(obs) for name, obs in sorted(rt.links.items())},
            "period": str(info.period),
            "holiday": info.holiday,
            "rule": info.rule,
            "next_change": iso(info.next_change),
            "pattern": str(self._sight.shown(st.pattern)),
            "silenced": bool(st.silenced and st.pattern is Pattern.ALARM),
            "session": self.session_json(st.session, now),
            "blind": self._sight.as_json(),
            "pending_permits": [permit_json(p, UTC) for p in st.pending_permits],
            "unreported": _guarded(lambda: unreported_json(rt, now)),
            "indicator": _guarded(lambda: rt.indicator.state()),
            "outbox": _guarded(lambda: rt.outbox.status()),
            "watcher": _guarded(watcher.status) if watcher is not None else None,
            "media": self._media_json(now),
            "monitor": self._monitor_json(now),
            "clock_jumps": _guarded(self.jumps_json),
            "now": iso(now),
        }

    def _media_json(self, now: datetime) -> dict[str, Any]:
        """Return the media present (as the engine knows them), the ``media-online``
        alerts of the open session and the media watcher's health."""
        st = self._rt.state
        watcher = getattr(self.media, "watcher", None)
        return {
            "present": [
                {
                    **p.observed.medium.as_dict(),
                    "label": p.observed.label or None,
                    "registered": p.observed.registered is not None
                    and p.observed.registered.active,
                    "since": iso(p.since),
                }
                for _, p in st.media.present
            ],
            "online_alerted": sorted(k.split("/", 1)[1] for k in st.media.online_alerted),
            "watcher": _guarded(watcher.status) if watcher is not None else None,
        }

    def _monitor_json(self, now: datetime) -> dict[str, Any]:
        rt = self._rt
        return {
            "version": __version__,
            "pid": os.getpid(),
            "instance": rt.instance,
            "started_at": iso(rt.started_at),
            "config": rt.source,
            "language": rt.config.alerts.language,
            "timezone": rt.config.timezone,
            "synced": rt.synced,
            "wake_at": iso(rt.wake_at),
            "steps": rt.steps,
            "unsaved_writes": len(self._writes),
            "faults": self._faults.as_dict(),
            "clock": self.clock_json(),
            "register": self._integrity(),
        }
