"""The daemon's side of the outbox: the worker's life, alerts queued in register
order, the daemon's own ``monitor`` alerts, a send child got ready when a link comes
up, and a grace period for alerts at exit."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from monitor.daemon.faults import Faults
from monitor.daemon.runtime import Runtime
from monitor.daemon.tasks import Tasks, cancel
from monitor.daemon.writes import WriteQueue
from monitor.domain.enums import AlertKind, Severity
from monitor.domain.model import Alert, PeriodInfo

log = logging.getLogger("monitor.daemon")


class Alerting:
    """Starts the outbox worker (again after a reload) and queues alerts through the
    register write queue, so an alert is written in order with the rows around it."""

    def __init__(self, rt: Runtime, writes: WriteQueue, tasks: Tasks, faults: Faults):
        self._rt = rt
        self._writes = writes
        self._faults = faults
        self._tasks = tasks
        self._task: asyncio.Task[Any] | None = None
        self._warming = False
        self._cool_handle: asyncio.TimerHandle | None = None
        self._monitor_at: set[datetime] = set()

    def start_worker(self) -> None:
        """Build the sender and worker of the config in force and run it; a worker
        running before is stopped. Raise when there is no worker at all (start-up);
        after a reload the old worker goes on, with an ``outbox`` fault recorded."""
        rt = self._rt
        if self._task is not None:
            old, self._task = self._task, None
            self._tasks.spawn(cancel(old), "stop old outbox worker")
        if rt.sender is not None:  # the old sender's waiting child is of no use now
            self._cool()
        try:
            rt.sender = rt.parts.sender(rt.config)
            rt.open_outbox = rt.parts.outbox(
                rt.register, rt.config, rt.sender, rt.clock, rt.instance
            )
        except Exception as exc:
            log.exception("cannot build the alert sender")
            if self._faults["outbox"].failed(exc):
                log.error("alerts stay in the outbox until the sender can be built")
            if rt.open_outbox is None:
                raise
            return
        self._task = self._tasks.spawn(rt.outbox.run(), "outbox")

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def enqueue(self, alert: Alert, why: str) -> None:
        rt = self._rt  # the worker in force when the write is done (after a reload too)
        self._writes.write(f"alert {alert.key}", lambda: rt.outbox.enqueue(alert), why)

    def link_up(self, why: str) -> None:
        rt = self._rt
        self._writes.write("outbox link-up", lambda: rt.outbox.link_up(), why)
        self.warm()

    def warm(self) -> None:
        """Get the next send ready: a link came up, and with it the alert of a link in
        clinic hours comes ``link.settle`` later. The sender starts its next child now
        (it imports apprise meanwhile) and keeps it ``warm_for``; then it is let go.

        Why: started only when the alert was raised, the child spent ~0.35 s getting
        ready (an interpreter, apprise and its plugins) before it sent; given the
        request warm, it delivers and ends within ~35 ms here."""
        rt = self._rt
        if rt.sender is None or rt.loop is None:
            return
        if self._cool_handle is not None:
            self._cool_handle.cancel()
        self._cool_handle = rt.loop.call_later(rt.timing.warm_for, self._cool)
        if self._warming:
            return
        self._warming = True
        self._tasks.spawn(self._warm(rt.sender), "warm sender")

    async def _warm(self, sender: Any) -> None:
        try:
            await asyncio.to_thread(sender.warm)
        except Exception as exc:  # noqa: BLE001 - a send then starts its own child, as before
            log.warning("cannot get a send child ready: %s", exc)
        finally:
            self._warming = False

    def _cool(self) -> None:
        """Let the send child waiting since a link came up go (no alert came)."""
        if self._cool_handle is not None:
            self._cool_handle.cancel()
            self._cool_handle = None
        sender = self._rt.sender
        if sender is not None:
            self._tasks.spawn(asyncio.to_thread(sender.cool), "cool sender")

    def monitor_alert(self, detail: str, severity: Severity = Severity.WARNING) -> None:
        """Raise a ``monitor`` alert (start, stop, reload, a fault) through the outbox."""
        now = self._rt.now()
        # A monitor alert's key is its instant: two at the same microsecond (a wall
        # clock set back onto an earlier alert's time) must not collapse into one.
        while now in self._monitor_at:
            now += timedelta(microseconds=1)
        self._monitor_at.add(now)
        period: PeriodInfo | None
        try:
            period = self._rt.schedule.at(now)
        except Exception:  # noqa: BLE001 - a monitor alert must go out even then
            period = None
        alert = Alert(
            kind=AlertKind.MONITOR,
            severity=severity,
            at=now,
            session=None,
            period=period,
            detail=detail,
        )
        log.info("monitor alert: %s", detail)
        if self._rt.open_outbox is not None:
            self.enqueue(alert, "monitor")

    async def grace(self) -> None:
        """Give alerts that can leave now a moment to do so (a 'stopped' notice)."""
        rt = self._rt
        if rt.open_outbox is None or not self.running:
            return
        try:
            if not rt.outbox.status().get("destinations"):
                return
        except Exception:  # noqa: BLE001 - best effort on the way out
            return
        clock = rt.clock
        deadline = clock.monotonic() + rt.timing.stop_grace
        while clock.monotonic() < deadline:
            try:
                summary = rt.register.outbox_summary()
            except Exception:  # noqa: BLE001 - best effort on the way out
                return
            if not summary.get("pending") or summary.get("failed", 0) >= summary["pending"]:
                return
            await asyncio.sleep(0.05)

    async def kill_sender(self) -> None:
        """End the send child waiting for an alert, and a send still running in its
        thread (it must not hold the exit) once it had ``timing.send_grace`` seconds
        to finish: killed between the server's acceptance and its record, its mail
        would be sent again after the restart."""
        if self._cool_handle is not None:
            self._cool_handle.cancel()
            self._cool_handle = None
        if self._rt.sender is not None:
            await asyncio.to_thread(self._rt.sender.kill, self._rt.timing.send_grace)
