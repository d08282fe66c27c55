"""Wiring: the asyncio loop, signals, sd_notify/watchdog.

One asyncio loop owns every side effect (DESIGN.md, "Data flow"):

- inputs: the link watcher's observations, the engine's next wake-up instant
  (a ``Tick``), control-socket requests (permit, ack, reload, status) and the
  indicator's button (marshalled from the gpiozero thread with
  ``call_soon_threadsafe``);
- each input goes through ``Engine.step(state, input, now)`` with
  ``now = datetime.now(UTC)``; its effects are applied at once: the pattern to
  the indicator first (the LED must follow the cable within milliseconds), then
  the register and the outbox;
- between inputs the loop sleeps until the next input or ``Step.wake_at``. The
  only periodic work is the heartbeat: the systemd watchdog ping (every
  ``WatchdogSec/2``) and the register's ``last_seen``.

Restart safety. An alert is written to the outbox *before* the session row that
records it, so a ``kill -9`` between the two makes the restarted engine raise it
again, and the outbox's idempotency key (``Alert.key``) drops the duplicate. On
start the open session is restored from the register with its ``last_seen``;
the watcher's dump and ``Synced`` then tell the engine whether it continues.
On a clean stop the session is left open (with ``last_seen``) for the same reason.

Faults. One failing effect is logged with the input that caused it, raised as a
``monitor`` alert once per fault episode where the outbox can still take it,
and retried with exponential backoff; monitoring goes on. Register writes that
fail are kept, in order, and written when the register works again: nothing
recorded is lost while the process lives.

Memory. The holiday library and apprise are used through ``monitor.offload``:
the full config check, the holiday tables and every send run in short-lived
child processes, so an idle daemon does not hold those libraries.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import signal
import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from monitor import __version__
from monitor import offload as _offload
from monitor.compat import UTC
from monitor.config import BUILTIN, Config
from monitor.control import (
    AckRequest,
    ControlServer,
    Peer,
    PermitRequest,
    ReloadRequest,
    Request,
    StatusRequest,
)
from monitor.domain.durations import format_duration
from monitor.domain.enums import AlertKind, Pattern, Severity
from monitor.domain.events import (
    Acknowledged,
    AlertRaised,
    Input,
    LinkChanged,
    PatternChanged,
    PermitGranted,
    Restored,
    SessionChanged,
    SessionClosed,
    SessionOpened,
    Synced,
    Tick,
)
from monitor.domain.model import Alert, LinkObserved, Permit, Session, Transition
from monitor.errors import ConfigError, ControlError, IndicatorError, MonitorError
from monitor.policy import Engine
from monitor.report import permit_json
from monitor.schedule import HolidayTable, Schedule
from monitor.sdnotify import SystemdNotifier, format_status

log = logging.getLogger(__name__)

#: Heartbeat when systemd asks for no watchdog: how often ``last_seen`` is stored.
DEFAULT_HEARTBEAT = timedelta(seconds=30)
#: ``last_seen`` is also stored after a step, at most this often.
LAST_SEEN_EVERY = timedelta(seconds=1)
#: A timer never sleeps longer than this, in case the wall clock jumps.
MAX_SLEEP = 3600.0
#: Backoff for a failing part (indicator, register, watcher).
BACKOFF_FIRST = 1.0
BACKOFF_MAX = 60.0
#: After a session closes, give freed heap back this much later (see _malloc_trim).
TRIM_AFTER = 5.0
#: On a clean stop, give queued alerts this long to leave (a send starts a child
#: process, ~1 s before it talks to the server).
STOP_GRACE = 5.0


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """Return glibc's ``malloc_trim``, or None (another C library).

    Why: a burst of netlink messages (a flapping cable, a resync) allocates and
    frees many small buffers; glibc keeps the freed heap, so the idle daemon's RSS
    stayed higher after each burst. Measured once quiet after each of four storms
    of 1,000 toggles (26 sessions each): 51.6, 57.6, 61.6, 61.1, 62.8 MiB without
    a trim; 51.3, 54.9, 56.2, 56.5, 56.7 MiB with this one (Python's own objects
    did not grow: tracemalloc)."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


class Fault:
    """One part's health: a failure episode starts at the first error and ends at the
    next success. Only the first error of an episode is alerted; retries back off."""

    def __init__(self, name: str):
        self.name = name
        self.failing = False
        self.count = 0
        self.last_error: str | None = None
        self.delay = BACKOFF_FIRST

    def failed(self, exc: BaseException) -> bool:
        """Record a failure; return True when it starts a new episode."""
        first = not self.failing
        self.failing = True
        self.count += 1
        self.last_error = f"{type(exc).__name__}: {exc}"
        if not first:
            self.delay = min(self.delay * 2, BACKOFF_MAX)
        return first

    def ok(self) -> bool:
        """Record a success; return True when it ends an episode."""
        recovered = self.failing
        self.failing = False
        self.delay = BACKOFF_FIRST
        return recovered

    def as_dict(self) -> dict[str, Any]:
        return {"failing": self.failing, "errors": self.count, "last_error": self.last_error}


class Daemon:
    """The running monitor. Build it, then ``await run()``; it returns the exit status.

    ``config_path`` is the file a reload reads again (None: the built-in default).
    The factories exist so that the pieces can be chosen at one seam (tests pass
    ``netns`` to watch a namespace from outside); they default to the real ones.

    Alerts are sent, and a reload is checked, by child processes
    (``monitor.offload``); ``holidays`` is the schedule's holiday source
    (``run_daemon`` passes the tables its start-up check fetched)."""

    def __init__(self, config: Config, source: str = BUILTIN, *,
                 config_path: Path | None = None,
                 notifier: SystemdNotifier | None = None,
                 netns: str | None = None,
                 clock: Callable[[], datetime] = _utcnow,
                 holidays: HolidayTable | None = None):
        self.config = config
        self.source = source
        self.config_path = config_path
        self.notifier = notifier or SystemdNotifier()
        self.netns = netns
        self._clock = clock
        self._sender: _offload.ChildSender | None = None
        self._reload_lock: asyncio.Lock | None = None  # made in run(): needs the running loop
        self.schedule = Schedule(config, holidays=holidays)
        self.engine = Engine(config, self.schedule)
        self.state = self.engine.initial()
        self.started_at = clock()
        self.register = None
        self.indicator = None
        self.worker = None
        self.control: ControlServer | None = None
        self.watcher = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None  # made in run(): needs the running loop
        self._tasks: set[asyncio.Task] = set()
        self._worker_task: asyncio.Task | None = None
        self._watch_task: asyncio.Task | None = None
        self._wake_handle: asyncio.TimerHandle | None = None
        self._wake_at: datetime | None = None
        self._beat_handle: asyncio.TimerHandle | None = None
        self._trim_handle: asyncio.TimerHandle | None = None
        self._retry_handles: dict[str, asyncio.TimerHandle] = {}
        self._links: dict[str, LinkObserved] = {}
        self._writes: deque[tuple[str, Callable[[], Any], str]] = deque()
        self._faults = {name: Fault(name) for name in ("indicator", "register", "watcher",
                                                       "engine", "outbox")}
        # The indicator said itself that it cannot show anything (on_fault): only its
        # on_restore ends that episode, not a later show() that merely queued a pattern.
        self._indicator_unreachable = False
        self._last_seen_saved: datetime | None = None
        self._status_text: str | None = None
        self._synced = False
        self._ready_sent = False
        self._traffic_base: dict[str, tuple[int, int]] = {}
        self._traffic_last: dict[str, tuple[int, int]] = {}
        self._traffic_carry: tuple[int, int] = (0, 0)
        self.pattern_shown_at: float | None = None  # time.time() of the last indicator.show
        self.steps = 0

    # ================================================================== lifecycle

    async def run(self) -> int:
        """Monitor until SIGTERM/SIGINT (or ``stop()``); return the exit status.

        Return 1 (after logging one clear line) when a part without which nothing
        can be monitored cannot be set up: the register, the indicator with
        ``kind = "gpio"`` and no GPIO, or the control socket (another daemon runs)."""
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._reload_lock = asyncio.Lock()
        try:
            self._open_parts()
        except MonitorError as exc:
            log.error("cannot start: %s", exc)
            self._close_parts()
            return 1
        try:
            await self.control.start()
        except ControlError as exc:
            log.error("cannot start: %s", exc)
            self._close_parts()
            return 1
        for sig, handler in ((signal.SIGTERM, self.stop), (signal.SIGINT, self.stop),
                             (signal.SIGHUP, self._reload_from_signal)):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                self._loop.add_signal_handler(sig, handler)
        try:
            self._start_worker()
        except Exception as exc:  # noqa: BLE001 - any failure here means no alerts: refuse to start
            log.error("cannot start: the alert sender: %s", exc)
            await self.control.close()
            self._close_parts()
            return 1
        self._restore()
        self._safe("indicator", "start heartbeat", lambda: self.indicator.start_heartbeat())
        self._monitor_alert("started", Severity.INFO)
        self._watch_task = self._spawn(self._watch(), "watcher")
        self._schedule_heartbeat()
        log.info("link-monitor %s running (config %s, register %s, socket %s)",
                 __version__, self.source, self.config.store.path, self.config.control.socket)
        try:
            await self._stop.wait()
        finally:
            await self._shutdown()
        return 0

    def stop(self) -> None:
        """Ask the loop to stop cleanly (SIGTERM, SIGINT)."""
        if self._stop is not None and not self._stop.is_set():
            log.info("stopping")
            self._stop.set()

    def _open_parts(self) -> None:
        from monitor.indicator import build_indicator
        from monitor.register import Register

        self.register = Register(self.config.store.path)
        self.indicator = build_indicator(self.config.indicator, on_ack=self._ack_from_thread,
                                         on_fault=self._in_loop(self._indicator_fault),
                                         on_restore=self._in_loop(self._indicator_restored))
        self.control = ControlServer(self.config.control.socket, self._handle,
                                     max_request=self.config.control.max_request)

    def _close_parts(self) -> None:
        for what, close in (("indicator", lambda: self.indicator and self.indicator.close()),
                            ("register", lambda: self.register and self.register.close())):
            try:
                close()
            except Exception:
                log.exception("closing the %s", what)

    async def _shutdown(self) -> None:
        now = self._clock()
        self.notifier.stopping(self._status_line(now, stopping=True))
        for handle in (self._wake_handle, self._beat_handle, self._trim_handle,
                       *self._retry_handles.values()):
            if handle is not None:
                handle.cancel()
        if self._watch_task is not None:
            await _cancel(self._watch_task)
        self._monitor_alert("stopped", Severity.WARNING)
        await self._grace_for_outbox()
        for task in list(self._tasks):
            await _cancel(task)
        if self._sender is not None:
            self._sender.kill()  # a send still running in its thread must not hold the exit
        # The session stays open, stamped with when it was last seen: a restart continues
        # it, or closes it at that instant if the cable was pulled meanwhile.
        now = self._clock()
        self._write("last seen", lambda: self.register.set_last_seen(now), "stop")
        if self.state.session is not None:
            s = replace(self.state.session, last_seen=now)
            self._write(f"session {s.id} last seen", lambda: self.register.update_session(s),
                        "stop")
        self._flush_writes()
        if self._writes:
            log.error("stopping with %d register write(s) not done: %s", len(self._writes),
                      ", ".join(w[0] for w in self._writes))
        self._safe("indicator", "stop heartbeat", lambda: self.indicator.stop_heartbeat())
        if self.control is not None:
            await self.control.close()
        self._close_parts()
        self.notifier.close()
        log.info("stopped")

    async def _grace_for_outbox(self) -> None:
        """Give alerts that can leave now a moment to do so (a 'stopped' notice)."""
        if self.worker is None or self._worker_task is None or self._worker_task.done():
            return
        try:
            if not self.worker.status().get("destinations"):
                return
        except Exception:  # noqa: BLE001 - best effort on the way out
            return
        deadline = time.monotonic() + STOP_GRACE
        while time.monotonic() < deadline:
            try:
                summary = self.register.outbox_summary()
            except Exception:  # noqa: BLE001 - best effort on the way out
                return
            if not summary.get("pending") or summary.get("failed", 0) >= summary["pending"]:
                return
            await asyncio.sleep(0.05)

    def _spawn(self, coro, name: str) -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("task %s ended: %s", task.get_name(), exc, exc_info=exc)

    # ================================================================== inputs

    def feed(self, event: Input) -> None:
        """Step the engine with ``event`` at the current instant and apply the effects.

        Synchronous on purpose: a step and its effects never interleave with another."""
        now = self._clock()
        try:
            step = self.engine.step(self.state, event, now)
        except Exception as exc:
            log.exception("engine failed on %r; input skipped", event)
            if self._faults["engine"].failed(exc):
                self._monitor_alert(f"engine-fault: {type(exc).__name__}: {exc}")
            return
        self._faults["engine"].ok()
        self.steps += 1
        self.state = step.state
        self._apply(step.effects, event)
        self._schedule_wake(step.wake_at, now)
        if self._last_seen_saved is None or now - self._last_seen_saved >= LAST_SEEN_EVERY:
            self._save_last_seen(now)
        if step.effects:
            self._publish_status(now)

    def _observe(self, obs: LinkObserved) -> None:
        self._links[obs.interface] = obs
        self.feed(obs)

    def _ack_from_thread(self, source: str) -> None:
        """The indicator's button (a gpiozero thread): hand the press to the loop."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._acknowledge, "", source)

    def _in_loop(self, fn: Callable[[str], None]) -> Callable[[str], None]:
        """Return a callback that a foreign thread may call: it runs ``fn`` in the loop."""
        def call(arg: str) -> None:
            loop = self._loop
            if loop is not None and not loop.is_closed():
                loop.call_soon_threadsafe(fn, arg)
        return call

    def _indicator_fault(self, message: str) -> None:
        """The indicator itself reports it cannot show anything (the box is unplugged,
        a GPIO pin failed during a blink). The fault lasts until it says it is back
        (``_indicator_restored``); showing the pattern again is retried with backoff
        meanwhile (a GPIO blink restarts; the box only takes note)."""
        log.error("indicator: %s", message)
        self._indicator_unreachable = True
        fault = self._faults["indicator"]
        if fault.failed(IndicatorError(message)):
            self._monitor_alert(f"indicator-fault: {message}")
        self._retry_later("indicator", fault.delay, self._reshow)
        self._publish_status(self._clock())

    def _indicator_restored(self, message: str) -> None:
        self._indicator_unreachable = False
        if self._faults["indicator"].ok():
            log.info("indicator: %s", message)
        self._publish_status(self._clock())

    def _acknowledge(self, by: str, source: str) -> bool:
        """Feed an acknowledgement; record it when it silenced the alarm; return that."""
        was = self.state.silenced
        self.feed(Acknowledged(by=by, source=source))
        silenced = self.state.silenced and not was
        if silenced:
            now = self._clock()
            sid = self.state.session.id if self.state.session else None
            self._write("ack", lambda: self.register.record_ack(by or source, source, now, sid),
                        source)
            log.info("alarm acknowledged by %s via %s", by or "someone", source)
        return silenced

    def _restore(self) -> None:
        """Continue the session the register says is open, and re-arm valid permits."""
        try:
            session = self.register.current_session()
            last_seen = self.register.last_seen()
            permits = self.register.valid_permits(self._clock())
        except Exception as exc:
            log.exception("cannot read the open session from the register")
            if self._faults["register"].failed(exc):
                self._monitor_alert(f"register-fault: {exc}")
            return
        if session is not None:
            seen = last_seen or session.last_seen or session.started_at
            seen = max(seen, session.started_at)
            log.info("restoring open session %s (started %s, last seen %s)",
                     session.id, _iso(session.started_at), _iso(seen))
            self._traffic_carry = (session.bytes_sent, session.bytes_received)
            self.feed(Restored(session=session, last_seen=seen))
        for permit in permits:
            self.feed(PermitGranted(permit))

    # ================================================================== watcher

    async def _watch(self) -> None:
        """Run the watcher; on any failure alert once, back off, build a new one."""
        from monitor.links import build_watcher

        fault = self._faults["watcher"]
        while True:
            watcher = None
            try:
                watcher = build_watcher(self.config.link, netns=self.netns)
                self.watcher = watcher
                current = await watcher.start()
                self._reconcile(current)
                if not self._synced:
                    self._synced = True
                    self.feed(Synced())
                if fault.ok():
                    log.info("watcher recovered")
                self._send_ready()
                async for obs in watcher.changes():
                    self._observe(obs)
                raise MonitorError("the watcher's stream of changes ended")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                first = fault.failed(exc)
                log.error("watcher failed (%s); new watcher in %.0fs", fault.last_error,
                          fault.delay, exc_info=first)
                if first:
                    self._monitor_alert(f"watcher-fault: {fault.last_error}")
                self._send_ready()  # degraded, but the rest of the monitor works
                self._publish_status(self._clock())
            finally:
                if watcher is not None:
                    with contextlib.suppress(Exception):
                        await watcher.close()
            await asyncio.sleep(fault.delay)

    def _reconcile(self, current: list[LinkObserved]) -> None:
        """Feed a dump; an interface the engine thinks online but the dump lacks is gone."""
        seen = set()
        for obs in current:
            seen.add(obs.interface)
            self._observe(obs)
        for name in sorted(self.state.online - seen):
            old = self._links.get(name)
            self._observe(LinkObserved(
                interface=name, index=old.index if old else 0, online=False, carrier=None,
                operstate="notpresent", admin_up=False, at=self._clock(), present=False))

    def _send_ready(self) -> None:
        if not self._ready_sent:
            self._ready_sent = True
            self.notifier.ready(self._status_line(self._clock()))
            log.info("ready")

    # ================================================================== effects

    def _apply(self, effects, event: Input) -> None:
        """Carry out a step's effects: indicator first, then alerts before the session
        rows that record them (see the module docstring), then the rest in order."""
        why = f"on {type(event).__name__}"
        if isinstance(event, LinkObserved):
            why += f" {event.interface} online={event.online}"
        for effect in effects:
            if isinstance(effect, PatternChanged):
                self._show(effect.pattern, effect.silenced, effect.reason)
        closing = [e for e in effects if isinstance(e, SessionClosed)]
        if closing:
            totals = self._traffic_totals(closing[-1].session)
        for effect in effects:
            if isinstance(effect, LinkChanged):
                obs = effect.observation
                self._write("link event", lambda o=obs: self.register.record_link_event(o), why)
                if obs.online:
                    self._traffic_start(obs.interface)
                    self._write("outbox link-up", self._worker_link_up, why)
                else:
                    self._traffic_sample(obs.interface)
            elif isinstance(effect, SessionOpened):
                self._traffic_carry = (0, 0)
                self._traffic_base.clear()
                self._traffic_last.clear()
                for name in effect.session.interfaces:
                    self._traffic_start(name)
                s = effect.session
                self._write(f"session {s.id} opened", lambda s=s: self.register.open_session(s),
                            why)
            elif isinstance(effect, AlertRaised):
                alert = effect.alert
                if alert.session is not None and alert.session.ended_at is not None and closing:
                    alert = replace(alert, session=self._with_traffic(alert.session, totals))
                log.warning("alert %s%s for session %s", alert.kind,
                            f" (reminder {alert.reminder})" if alert.reminder else "",
                            alert.session.id if alert.session else "-")
                self._enqueue(alert, why)
            elif isinstance(effect, Transition):
                t = effect
                self._write("transition", lambda t=t: self.register.record_transition(t), why)
        for effect in effects:
            if isinstance(effect, SessionChanged):
                s = effect.session
                self._write(f"session {s.id} changed",
                            lambda s=s: self.register.update_session(s), why)
            elif isinstance(effect, SessionClosed):
                s = self._with_traffic(effect.session, totals)
                self._trim_later()
                log.info("session %s closed (%s, %s)", s.id, s.end_reason,
                         format_duration(s.duration()))
                self._write(f"session {s.id} closed",
                            lambda s=s: self.register.close_session(s), why)
                self._traffic_base.clear()
                self._traffic_last.clear()
                self._traffic_carry = (0, 0)

    def _show(self, pattern: Pattern, silenced: bool, reason: str) -> None:
        fault = self._faults["indicator"]
        try:
            self.indicator.show(pattern, silenced=silenced)
        except Exception as exc:
            first = fault.failed(exc)
            log.error("indicator failed to show %s (%s); retry in %.0fs", pattern,
                      fault.last_error, fault.delay, exc_info=first)
            if first:
                self._monitor_alert(f"indicator-fault: {fault.last_error}")
            self._retry_later("indicator", fault.delay, self._reshow)
            return
        self.pattern_shown_at = time.time()
        if not self._indicator_unreachable and fault.ok():
            log.info("indicator works again")
        log.info("indicator: %s%s (%s)", pattern, " silenced" if silenced else "", reason)
        # For bench/bench_daemon.py: the wall-clock instant the indicator took the pattern.
        log.debug("indicator %s shown at t=%.6f", pattern, self.pattern_shown_at)

    def _reshow(self) -> None:
        s = self.state
        self._show(s.pattern, s.silenced and s.pattern is Pattern.ALARM, "retry")

    def _enqueue(self, alert: Alert, why: str) -> None:
        self._write(f"alert {alert.key}", lambda: self.worker.enqueue(alert), why)

    def _worker_link_up(self) -> None:
        self.worker.link_up()

    def _monitor_alert(self, detail: str, severity: Severity = Severity.WARNING) -> None:
        """Raise a ``monitor`` alert (start, stop, reload, a fault) through the outbox."""
        now = self._clock()
        try:
            period = self.schedule.at(now)
        except Exception:  # noqa: BLE001 - a monitor alert must go out even then
            period = None
        alert = Alert(kind=AlertKind.MONITOR, severity=severity, at=now, session=None,
                      period=period, detail=detail)
        log.info("monitor alert: %s", detail)
        if self.worker is not None:
            self._enqueue(alert, "monitor")

    # ------------------------------------------------------------ register writes

    def _write(self, what: str, fn: Callable[[], Any], why: str) -> None:
        """Do one register write in order; if it (or an earlier one) fails, keep it and
        retry with backoff, so nothing recorded is lost while the process lives."""
        self._writes.append((what, fn, why))
        if len(self._writes) == 1:
            self._flush_writes()

    def _flush_writes(self) -> None:
        fault = self._faults["register"]
        while self._writes:
            what, fn, why = self._writes[0]
            try:
                fn()
            except Exception as exc:
                first = fault.failed(exc)
                log.error("register: %s (%s) failed: %s; %d write(s) waiting, retry in %.0fs",
                          what, why, fault.last_error, len(self._writes), fault.delay,
                          exc_info=first)
                if first:
                    # Queued behind the failing write: it goes out once the disk is back.
                    self._monitor_alert(f"register-fault: {fault.last_error}")
                self._retry_later("register", fault.delay, self._flush_writes)
                return
            self._writes.popleft()
            if fault.ok():
                log.info("register works again")

    def _trim_later(self) -> None:
        """Give freed heap back to the system once things are quiet again (TRIM_AFTER
        after a session closed; one call however many sessions close meanwhile)."""
        if self._loop is not None and self._trim_handle is None:
            self._trim_handle = self._loop.call_later(TRIM_AFTER, self._trim)

    def _trim(self) -> None:
        self._trim_handle = None
        trim = _malloc_trim()
        if trim is not None:
            trim(0)

    def _retry_later(self, name: str, delay: float, fn: Callable[[], None]) -> None:
        if name in self._retry_handles or self._loop is None:
            return

        def fire():
            self._retry_handles.pop(name, None)
            fn()

        self._retry_handles[name] = self._loop.call_later(delay, fire)

    def _safe(self, part: str, what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except Exception as exc:
            fault = self._faults[part]
            first = fault.failed(exc)
            log.error("%s: %s failed: %s", part, what, fault.last_error, exc_info=first)
            if first:
                self._monitor_alert(f"{part}-fault: {fault.last_error}")
            return None

    # ------------------------------------------------------------ traffic

    def _read_traffic(self, names) -> dict[str, tuple[int, int]]:
        try:
            from monitor.links import traffic
            return traffic(sorted(names))
        except Exception as exc:  # noqa: BLE001 - counters are a nicety, never a fault
            log.debug("traffic counters unavailable: %s", exc)
            return {}

    def _traffic_start(self, name: str) -> None:
        if name not in self._traffic_base:
            got = self._read_traffic([name]).get(name)
            if got is not None:
                self._traffic_base[name] = got
                self._traffic_last[name] = got

    def _traffic_sample(self, name: str) -> None:
        got = self._read_traffic([name]).get(name)
        if got is not None and name in self._traffic_base:
            self._traffic_last[name] = got

    def _traffic_totals(self, session: Session) -> tuple[int, int]:
        """Return (sent, received) bytes of the session so far (counters since its start
        or since this process restored it, plus what was recorded before)."""
        now = self._read_traffic(self._traffic_base)
        self._traffic_last.update({k: v for k, v in now.items() if k in self._traffic_base})
        sent, received = self._traffic_carry
        for name, (s0, r0) in self._traffic_base.items():
            s1, r1 = self._traffic_last.get(name, (s0, r0))
            sent += max(0, s1 - s0)
            received += max(0, r1 - r0)
        return sent, received

    @staticmethod
    def _with_traffic(session: Session, totals: tuple[int, int]) -> Session:
        return replace(session, bytes_sent=totals[0], bytes_received=totals[1])

    # ================================================================== timers

    def _schedule_wake(self, wake_at: datetime | None, now: datetime) -> None:
        if self._wake_handle is not None:
            self._wake_handle.cancel()
            self._wake_handle = None
        self._wake_at = wake_at
        if wake_at is None or self._loop is None:
            return
        delay = min(max(0.0, (wake_at - now).total_seconds()), MAX_SLEEP)
        self._wake_handle = self._loop.call_later(delay, self._on_wake)

    def _on_wake(self) -> None:
        self._wake_handle = None
        self.feed(Tick())

    def heartbeat_interval(self) -> float:
        iv = self.notifier.watchdog_interval()
        return (iv or DEFAULT_HEARTBEAT).total_seconds()

    def _schedule_heartbeat(self) -> None:
        self._beat_handle = self._loop.call_later(self.heartbeat_interval(), self._heartbeat)

    def _heartbeat(self) -> None:
        """The only periodic work: prove the loop is alive and store ``last_seen``."""
        now = self._clock()
        self.notifier.watchdog()
        self._save_last_seen(now)
        if self._wake_at is not None and now >= self._wake_at and self._wake_handle is None:
            self.feed(Tick())
        self._publish_status(now)
        self._schedule_heartbeat()

    def _save_last_seen(self, now: datetime) -> None:
        self._last_seen_saved = now
        self._write("last seen", lambda: self.register.set_last_seen(now), "heartbeat")

    # ================================================================== status

    def _status_line(self, now: datetime, *, stopping: bool = False) -> str:
        lang = self.config.alerts.language
        if stopping:
            return "停止中" if lang == "ja" else "stopping"
        s = self.state.session
        try:
            period = self.schedule.at(now).period
        except Exception:  # noqa: BLE001 - the status line must never fail
            period = "?"
        try:
            pending = int(self.register.outbox_summary().get("pending") or 0)
        except Exception:  # noqa: BLE001 - the status line must never fail
            pending = 0
        line = format_status(online=bool(self.state.online),
                             since=(now - s.started_at) if s else None, period=period,
                             pattern=self.state.pattern, language=lang, pending=pending,
                             silenced=self.state.silenced)
        failing = [f.name for f in self._faults.values() if f.failing]
        if failing:
            line += (", 異常: " if lang == "ja" else ", fault: ") + ", ".join(failing)
        return line

    def _publish_status(self, now: datetime) -> None:
        if not self.notifier.enabled:
            return
        text = self._status_line(now)
        if text != self._status_text:
            self._status_text = text
            self.notifier.status(text)

    def session_json(self, s: Session | None, now: datetime) -> dict[str, Any] | None:
        if s is None:
            return None
        sent, received = self._traffic_totals(s)
        return {
            "id": s.id,
            "started_at": _iso(s.started_at),
            "duration_s": round(s.duration(now).total_seconds(), 3),
            "interfaces": sorted(s.interfaces),
            "periods": sorted(str(p) for p in s.periods),
            "verdicts": [str(v) for v in s.verdicts],
            "worst": str(s.worst),
            "permit": permit_json(s.permit, UTC),
            "alerts": [{"kind": str(a.kind), "reminder": a.reminder, "at": _iso(a.at)}
                       for a in s.alerts],
            "overdue_at": _iso(s.started_at + self.engine.overdue_limit(s)),
            "bytes_sent": sent,
            "bytes_received": received,
        }

    def status(self) -> dict[str, Any]:
        """Return the JSON-able state for ``link-monitor status``."""
        now = self._clock()
        st = self.state
        info = self.schedule.at(now)
        interfaces = {}
        for name, obs in sorted(self._links.items()):
            state = "online" if obs.online else ("removed" if not obs.present else "offline")
            interfaces[name] = {"state": state, "online": obs.online, "carrier": obs.carrier,
                                "operstate": obs.operstate, "admin_up": obs.admin_up,
                                "since": _iso(obs.at)}

        def guarded(fn):
            try:
                return fn()
            except Exception as exc:  # noqa: BLE001 - status shows the error instead of failing
                return {"error": f"{type(exc).__name__}: {exc}"}

        return {
            "online": bool(st.online),
            "interfaces": interfaces,
            "period": str(info.period),
            "holiday": info.holiday,
            "rule": info.rule,
            "next_change": _iso(info.next_change),
            "pattern": str(st.pattern),
            "silenced": bool(st.silenced and st.pattern is Pattern.ALARM),
            "session": self.session_json(st.session, now),
            "pending_permits": [permit_json(p, UTC) for p in st.pending_permits],
            "indicator": guarded(self.indicator.state),
            "outbox": guarded(self.worker.status),
            "watcher": guarded(self.watcher.status) if self.watcher else None,
            "monitor": {
                "version": __version__,
                "pid": os.getpid(),
                "started_at": _iso(self.started_at),
                "config": self.source,
                "language": self.config.alerts.language,
                "timezone": self.config.timezone,
                "synced": self._synced,
                "wake_at": _iso(self._wake_at),
                "steps": self.steps,
                "unsaved_writes": len(self._writes),
                "faults": {name: f.as_dict() for name, f in self._faults.items()},
            },
            "now": _iso(now),
        }

    # ================================================================== control

    async def _handle(self, request: Request, peer: Peer) -> dict[str, Any]:
        if isinstance(request, StatusRequest):
            return self.status()
        if isinstance(request, PermitRequest):
            return self._grant(request, peer)
        if isinstance(request, AckRequest):
            silenced = self._acknowledge(peer.user, "cli")
            return {"silenced": silenced, "pattern": str(self.state.pattern),
                    "was_sounding": silenced}
        if isinstance(request, ReloadRequest):
            return await self.reload(by=peer.user)
        raise ControlError(f"unsupported request {request!r}")

    def _grant(self, req: PermitRequest, peer: Peer) -> dict[str, Any]:
        """Store the permit first (a reply means it is recorded), then tell the engine."""
        permit = Permit(purpose=req.purpose, company=req.company, staff=req.staff,
                        expected=req.expected, granted_by=peer.user, granted_at=self._clock(),
                        note=req.note, after_the_fact=req.after_the_fact)
        permit = self.register.add_permit(permit)  # RegisterError -> an error reply
        log.info("permit %s granted by %s: %s, %s (%s) for %s", permit.id, peer.user,
                 permit.purpose, permit.company, permit.staff, format_duration(permit.expected))
        self.feed(PermitGranted(permit))
        s = self.state.session
        linked = s.id if s is not None and s.permit is not None and s.permit.id == permit.id \
            else None
        return {"permit": permit_json(permit, UTC), "session": linked}

    def _reload_from_signal(self) -> None:
        async def reload() -> None:
            with contextlib.suppress(ConfigError):  # logged; the old config stays in force
                await self.reload(by="SIGHUP")
        self._spawn(reload(), "reload")

    async def reload(self, *, by: str = "") -> dict[str, Any]:
        """Read the config again and apply it; raise ``ConfigError`` (the old config stays
        in force) when the new one is invalid. Return what was applied. One reload
        at a time."""
        assert self._reload_lock is not None
        async with self._reload_lock:
            return await self._reload(by)

    async def _reload(self, by: str) -> dict[str, Any]:
        self.notifier.reloading()
        try:
            try:
                # In a thread: the checks run in child processes and the loop keeps
                # serving links meanwhile.
                new, source, holidays = await asyncio.to_thread(
                    _offload.load_checked, self.config_path, self._clock())
            except ConfigError as exc:
                log.error("reload rejected, the old config stays in force: %s", exc)
                raise
            restart = [key for key, a, b in (
                ("store.path", self.config.store.path, new.store.path),
                ("control", self.config.control, new.control),
                ("indicator", self.config.indicator, new.indicator),
            ) if a != b]
            old = self.config
            self.config, self.source = new, source
            self.schedule = Schedule(new, holidays=holidays)
            self.engine = Engine(new, self.schedule)
            if new.alerts != old.alerts or new.timezone != old.timezone \
                    or new.limits != old.limits:
                self._start_worker()
            if new.link != old.link and self._watch_task is not None:
                self._spawn(_cancel(self._watch_task), "stop old watcher")
                self._watch_task = self._spawn(self._watch(), "watcher")
            self.feed(Tick())  # re-evaluate now under the new rules
            detail = "reloaded" + (f": {by}" if by else "")
            self._monitor_alert(detail, Severity.INFO)
            if restart:
                log.warning("reloaded from %s; %s take effect at the next restart", source,
                            ", ".join(restart))
            else:
                log.info("reloaded from %s", source)
            return {"reloaded": source, "restart_needed": restart}
        finally:
            self.notifier.ready(self._status_line(self._clock()))

    # ================================================================== outbox

    def _start_worker(self) -> None:
        from monitor.notify import OutboxWorker

        if self._worker_task is not None:
            old = self._worker_task
            self._worker_task = None
            self._spawn(_cancel(old), "stop old outbox worker")
        try:
            self._sender = _offload.ChildSender(self.config.alerts)
            self.worker = OutboxWorker(self.register, self.config.alerts, sender=self._sender,
                                       zone=self.config.timezone,
                                       remind_every=self.config.limits.remind_every)
        except Exception as exc:
            log.exception("cannot build the alert sender")
            if self._faults["outbox"].failed(exc):
                log.error("alerts stay in the outbox until the sender can be built")
            if self.worker is None:
                raise
            return
        self._worker_task = self._spawn(self.worker.run(), "outbox")


async def _cancel(task: asyncio.Task, limit: float = 5.0) -> None:
    """Cancel ``task`` and wait for it to end, at most ``limit`` seconds.

    Cancel again until it ends: on Python 3.11, ``asyncio.wait_for`` swallows a
    cancellation that arrives just as the awaited thing completes (fixed in 3.12),
    so one ``cancel()`` of a loop built on it may be lost. The outbox worker no
    longer waits that way, but the poll watcher (``links``) and the control socket
    still do, so the repeat stays."""
    deadline = time.monotonic() + limit
    while not task.done() and time.monotonic() < deadline:
        task.cancel()
        await asyncio.wait({task}, timeout=0.1)
    if not task.done():
        log.error("task %s did not stop within %.0fs", task.get_name(), limit)


def setup_logging(*, verbose: bool = False) -> None:
    """Log to stderr; journald adds its own timestamps, so leave them out there and
    prefix each line with its syslog priority (``<3>``) for journald to file it."""
    journal = bool(os.environ.get("JOURNAL_STREAM"))
    handler = logging.StreamHandler()
    if journal:
        handler.setFormatter(_JournalFormatter("%(name)s: %(message)s"))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    handler.addFilter(_quiet_filter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    quiet_libraries()


#: Libraries whose debug and info lines are not ours to show (pyroute2 logs every
#: netlink message it parses at DEBUG, a few KiB each).
_NOISY = ("asyncio", "pyroute2", "apprise")


def quiet_libraries() -> None:
    """Set the noisy libraries' loggers to WARNING. Again after importing pyroute2:
    its import resets its logger to NOTSET (pyroute2/config/log.py), which would let
    ``-v`` format every netlink message in the event loop."""
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)


def _quiet_filter(record: logging.LogRecord) -> bool:
    """The handler's guard for the same rule, whatever a library does to its logger."""
    return record.levelno >= logging.WARNING or not record.name.startswith(_NOISY)


_JOURNAL_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3,
                     logging.CRITICAL: 2}


class _JournalFormatter(logging.Formatter):

    def format(self, record: logging.LogRecord) -> str:
        prio = _JOURNAL_PRIORITY.get(record.levelno, 6)
        text = super().format(record)
        return "\n".join(f"<{prio}>{line}" for line in text.splitlines())


def prewarm(config: Config) -> None:
    """Import the modules ``Daemon.run`` will need (no side effects: STYLE 9). A
    missing one is reported where it is used."""
    import importlib

    names = ["monitor.register", "monitor.notify", "monitor.indicator"]
    if config.link.method == "netlink":
        names.append("pyroute2")
    if config.indicator.kind in ("auto", "gpio"):
        names.append("monitor.indicator.gpio")
    for name in names:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    quiet_libraries()


def run_daemon(config: Config, source: str, *, config_path: Path | None,
               holidays: HolidayTable | None = None) -> int:
    """Run the monitor in the foreground until stopped; return the exit status.
    ``holidays``: the schedule's holiday source (see ``offload.load_checked``)."""
    daemon = Daemon(config, source, config_path=config_path, holidays=holidays)
    try:
        return asyncio.run(daemon.run())
    except KeyboardInterrupt:
        return 0
