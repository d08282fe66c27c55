"""Restart safety: the open session survives the process, and a crash is a fact.

While a session is open, the register's ``last_seen`` is stored at every heartbeat and
after a step (at most every ``last_seen_every``), with the open session's traffic
baselines: a crash ends the session there. While none is open nothing needs it but the
length of a blind interval after a crash, so the register is not written at all: every
``alive_every`` the daemon sets the register's alive mark (a file's modification time,
never flushed; ``Register.mark_alive``). On a clean stop the session is left open,
stamped with when it was last seen, and the stop is stored (``stopped_at``); on start it
is restored from the register, and the watcher's dump then tells the engine whether it
continues or ended while the monitor was down (between its last seen and now). Valid
permits are re-armed.

A start that finds no clean stop after the last sign of life (the later of ``last_seen``
and the alive mark) knows the monitor died (kill -9, a power cut, the OOM killer): it
was blind from then until now (``blind``), which the start notice says. Idle, the mark
is at most ``alive_every`` (and the kernel's writeback delay after a power cut) older
than the death: the interval can only look longer than it was, never shorter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from monitor.daemon.faults import Faults
from monitor.daemon.runtime import Runtime
from monitor.daemon.status import iso
from monitor.daemon.traffic import TrafficMeter
from monitor.daemon.writes import WriteQueue
from monitor.domain.enums import Severity
from monitor.domain.events import Input, PermitGranted, Restored

log = logging.getLogger("monitor.daemon")

#: A next attempt up to this much beyond ``alerts.retry_max`` is still a retry.
RETRY_SLACK = timedelta(minutes=1)


class Continuity:
    """Stores ``last_seen``, restores the open session at start, leaves it at stop."""

    def __init__(
        self,
        rt: Runtime,
        writes: WriteQueue,
        faults: Faults,
        traffic: TrafficMeter,
        feed: Callable[[Input], None],
        altered: Callable[[Iterable[object]], None] = lambda found: None,
    ):
        self._rt = rt
        self._writes = writes
        self._faults = faults
        self._traffic = traffic
        self._feed = feed
        self._altered = altered
        self._saved: datetime | None = None
        self._marked: datetime | None = None
        self._traffic_saved: dict[str, Any] | None = None
        #: (last sign of life, this start) when the previous run did not stop cleanly.
        self.blind: tuple[datetime, datetime] | None = None

    def save_last_seen(self, now: datetime, why: str = "heartbeat") -> None:
        self._saved = now
        rt = self._rt  # the register at the time of the write (a retry may be later)
        self._writes.write("last seen", lambda: rt.register.set_last_seen(now), why)
        session = rt.state.session
        traffic = {"session": session.id, **self._traffic.state()} if session else None
        if traffic != self._traffic_saved:
            self._traffic_saved = traffic
            self._writes.write("traffic", lambda: rt.register.set_traffic(traffic), why)

    def heartbeat(self, now: datetime) -> None:
        """The heartbeat's share: ``last_seen`` while a session is open; while none is,
        the alive mark once ``alive_every`` has passed since the last one."""
        rt = self._rt
        if rt.state.session is not None:
            self.save_last_seen(now)
            return
        every = timedelta(seconds=rt.timing.alive_every)
        if self._marked is None or not timedelta(0) <= now - self._marked < every:
            self._marked = now
            self._writes.write("alive mark", lambda: rt.register.mark_alive(now), "heartbeat")

    def stepped(self, now: datetime) -> None:
        """A step was taken at ``now``: store ``last_seen`` if a session is open and it
        is time to (a step that opens one stores it at once)."""
        if self._rt.state.session is None:
            return
        every = timedelta(seconds=self._rt.timing.last_seen_every)
        if self._saved is None or now - self._saved >= every:
            self.save_last_seen(now)

    def restore(self) -> None:
        """Continue the session the register says is open, and re-arm valid permits:
        what the chain confirms only (``Register.restore``); what it refused or
        bounded goes to ``altered``. Note a previous run that did not stop cleanly
        (``blind``)."""
        rt = self._rt
        now = rt.now()
        try:
            permits = rt.register.valid_permits(now)
            checked = rt.register.restore(
                now, max_delay=rt.config.alerts.retry_max + RETRY_SLACK, permits=permits
            )
            stopped_at = rt.register.stopped_at()
            traffic = rt.register.traffic()
            marked = rt.register.alive_mark()
            acked = checked.session is not None and rt.register.session_acked(checked.session.id)
        except Exception as exc:
            log.exception("cannot read the open session from the register")
            self._faults.failed("register", exc, str(exc))
            return
        self._altered(checked.altered)
        session, last_seen = checked.session, checked.last_seen
        alive = max((t for t in (last_seen, marked) if t is not None), default=None)
        if alive is not None and (stopped_at is None or stopped_at < alive):
            self.blind = (alive, now)
            log.warning(
                "the monitor did not stop cleanly: blind from %s (its last sign of life) to %s",
                iso(alive),
                iso(now),
            )
        self._writes.write("running", lambda: rt.register.set_stopped_at(None), "start")
        if session is not None:
            seen = max(last_seen or session.last_seen or session.started_at, session.started_at)
            log.info(
                "restoring open session %s (started %s, last seen %s)",
                session.id,
                iso(session.started_at),
                iso(seen),
            )
            if traffic is not None and traffic.get("session") == session.id:
                self._traffic.resume(traffic)  # the baselines go on: no byte lost
            else:
                self._traffic.reset(carry=(session.bytes_sent, session.bytes_received))
            self._feed(Restored(session=session, last_seen=seen, acked=acked))
        for permit in checked.permits:
            self._feed(PermitGranted(permit))

    def start_notice(self) -> tuple[str, Severity]:
        """Return the start notice's detail and severity: after a crash it says so, and
        since when nobody watched (``started: after-crash SINCE UNTIL``)."""
        if self.blind is None:
            return "started", Severity.INFO
        since, until = (at.isoformat() for at in self.blind)
        return f"started: after-crash {since} {until}", Severity.WARNING

    def leave_open(self, now: datetime) -> None:
        """Stamp the open session with ``now`` as last seen and write what waits."""
        rt = self._rt
        self.save_last_seen(now, "stop")
        if rt.state.session is not None:
            s = replace(rt.state.session, last_seen=now)
            self._writes.write(
                f"session {s.id} last seen", lambda: rt.register.update_session(s), "stop"
            )
        self._writes.write("stopped", lambda: rt.register.set_stopped_at(now), "stop")
        self._writes.flush()
        if len(self._writes):
            log.error(
                "stopping with %d register write(s) not done: %s",
                len(self._writes),
                ", ".join(self._writes.waiting()),
            )
