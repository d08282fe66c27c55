"""The running monitor: one asyncio loop over injected parts.

Inputs are the watcher's observations, the engine's next wake-up (a ``Tick``), the
control socket's requests and the indicator's button (marshalled from its thread
with ``call_soon_threadsafe``). Each input goes through ``Engine.step(state, input,
now)``; its effects are applied at once (``effects``), and no two steps interleave.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from monitor import __version__
from monitor.config import BUILTIN, Config
from monitor.daemon.alerting import Alerting
from monitor.daemon.clockwatch import ClockWatch
from monitor.daemon.continuity import Continuity
from monitor.daemon.effects import Effects
from monitor.daemon.faults import Faults
from monitor.daemon.holidays import HolidayTimer
from monitor.daemon.integrity import Integrity
from monitor.daemon.jumps import JumpWatch
from monitor.daemon.lamp import Lamp
from monitor.daemon.media import MediaWatching
from monitor.daemon.parts import IndicatorHooks, Parts
from monitor.daemon.ports import ControlPort
from monitor.daemon.reloading import Reloader
from monitor.daemon.requests import Requests
from monitor.daemon.runtime import Runtime
from monitor.daemon.sight import Sight
from monitor.daemon.status import StatusView
from monitor.daemon.stream import StatusStream
from monitor.daemon.tasks import Tasks, cancel
from monitor.daemon.timers import Timers
from monitor.daemon.traffic import TrafficMeter
from monitor.daemon.watching import Watching
from monitor.daemon.writes import WriteQueue
from monitor.domain.enums import Severity
from monitor.domain.events import Acknowledged, Input, Tick
from monitor.engine import EngineState
from monitor.errors import ConfigError, MonitorError

log = logging.getLogger("monitor.daemon")


class Daemon:
    """The running monitor. Build it, then ``await run()``; it returns the exit status.

    ``parts`` are what it is made of (``wiring.build_parts()`` for the real ones);
    ``config_path`` is the file a reload reads again (None: the built-in default)."""

    def __init__(
        self,
        config: Config,
        parts: Parts,
        *,
        source: str = BUILTIN,
        config_path: Path | None = None,
    ):
        self.rt = rt = Runtime(config, source, config_path, parts)
        self.tasks = Tasks()
        self.faults = Faults(
            parts.timing, lambda detail: self.alerting.monitor_alert(detail), lambda: rt.loop
        )
        self.writes = WriteQueue(
            self.faults, lambda what, exc: self.integrity.write_refused(what, exc)
        )
        self.alerting = Alerting(rt, self.writes, self.tasks, self.faults)
        self.integrity = Integrity(rt, self.faults, self.alerting.monitor_alert)
        self.traffic = TrafficMeter(parts.traffic)
        self.jumps = JumpWatch(rt, self.writes, self.alerting)
        self.sight = Sight(rt, self.alerting.monitor_alert, self._publish_now)
        self.view = StatusView(
            rt, self.faults, self.writes, self.traffic, self.sight, self.integrity.as_dict
        )
        self.stream = StatusStream(rt, self.faults)
        self.stream.substitute = self.sight.shown
        self.lamp = Lamp(
            rt, self.faults, self.view.publish, shown=self.stream.push, substitute=self.sight.shown
        )
        self.sight.show = self.lamp.reshow
        self.timers = Timers(rt, lambda: self.feed(Tick()), self._heartbeat)
        self.clock = ClockWatch(rt, self.writes, self.alerting.monitor_alert)
        self.effects = Effects(rt, self.writes, self.lamp, self.alerting, self.traffic)
        self.effects.closed, self.effects.clock = self.timers.trim_later, self.clock
        self.view.clock_json = self.clock.as_json
        self.view.jumps_json = self.jumps.status
        self.holidays = HolidayTimer(rt, self.tasks)
        self.watching = Watching(
            rt, self.faults, self.feed, self._send_ready, self._publish_now, self.sight.check
        )
        self.reloader = Reloader(
            rt,
            self.alerting,
            self.holidays,
            self.feed,
            self._restart_watcher,
            lambda: self.view.line(rt.now()),
        )
        self.requests = Requests(
            rt,
            self.feed,
            self.status,
            self.acknowledge,
            self.reloader.reload,
            follow=self.stream.first,
        )
        self.continuity = Continuity(
            rt, self.writes, self.faults, self.traffic, self.feed, self.integrity.restored
        )
        self.media = MediaWatching(rt, self.faults, self.feed)
        self.view.media = self.media
        self._media_task: asyncio.Task[Any] | None = None
        self._stop: asyncio.Event | None = None  # made in run(): needs the running loop
        self._watch_task: asyncio.Task[Any] | None = None
        self._ready_sent = False

    # ------------------------------------------------------------------ views

    def _publish_now(self) -> None:
        self.view.publish(self.rt.now())

    @property
    def config(self) -> Config:
        return self.rt.config

    @property
    def state(self) -> EngineState:
        return self.rt.state

    def status(self) -> dict[str, Any]:
        """Return the JSON-able state for ``link-monitor status``."""
        return self.view.status()

    # ------------------------------------------------------------------ lifecycle

    async def run(self) -> int:
        """Monitor until SIGTERM/SIGINT (or ``stop()``); return the exit status: 1 (one
        clear line logged) when a part nothing can be monitored without cannot be set
        up: the register, the indicator with ``kind = "gpio"`` and no GPIO, the control
        socket (another daemon runs) or the alert sender."""
        self.rt.loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        control = await self._open()
        if control is None:
            return 1
        self._signals()
        self.clock.at_start()  # before this run writes a time: is the clock behind?
        self.integrity.at_start()
        self.continuity.restore()
        self.faults.safe("indicator", "start heartbeat", self.rt.indicator.start_heartbeat)
        self.alerting.monitor_alert(*self.continuity.start_notice())
        self.holidays.start()
        self._watch_task = self.tasks.spawn(self.watching.run(), "watcher")
        self.tasks.spawn(self.stream.run(), "status stream")
        if self.media.enabled:
            self._media_task = self.tasks.spawn(self.media.run(), "media watcher")
        self.timers.start_heartbeat()
        log.info(
            "link-monitor %s running (instance %s, config %s, register %s, socket %s)",
            __version__,
            self.rt.instance,
            self.rt.source,
            self.config.store.path,
            self.config.control.socket,
        )
        try:
            await self._stop.wait()
        finally:
            await self._shutdown(control)
        return 0

    async def _open(self) -> ControlPort | None:
        """Open the register, indicator, socket and outbox; return the control server, or
        None (logged, everything closed) when one cannot be."""
        rt, parts = self.rt, self.rt.parts
        control = None
        try:
            rt.open_register = parts.register(rt.config)
            rt.open_indicator = parts.indicator(
                rt.config,
                IndicatorHooks(
                    on_ack=self._ack_from_thread,
                    on_fault=self._in_loop(self.lamp.fault),
                    on_restore=self._in_loop(self.lamp.restored),
                ),
            )
            control = parts.control(rt.config, self.requests.handle)
            await control.start()
            self.stream.attach(control)
        except MonitorError as exc:
            log.error("cannot start: %s", exc)
            self._close_parts()
            return None
        try:
            self.alerting.start_worker()
        except Exception as exc:  # noqa: BLE001 - any failure here means no alerts: refuse to start
            log.error("cannot start: the alert sender: %s", exc)
            await control.close()
            self._close_parts()
            return None
        return control

    def _signals(self) -> None:
        loop = self.rt.loop
        assert loop is not None
        for sig, handler in (
            (signal.SIGTERM, self.stop),
            (signal.SIGINT, self.stop),
            (signal.SIGHUP, self._reload_from_signal),
        ):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, handler)

    def stop(self) -> None:
        """Ask the loop to stop cleanly (SIGTERM, SIGINT)."""
        if self._stop is not None and not self._stop.is_set():
            log.info("stopping")
            self._stop.set()

    def _close_parts(self) -> None:
        rt = self.rt
        for what, part in (("indicator", rt.open_indicator), ("register", rt.open_register)):
            try:
                if part is not None:
                    part.close()
            except Exception:
                log.exception("closing the %s", what)

    async def _shutdown(self, control: ControlPort) -> None:
        rt = self.rt
        notifier = rt.parts.notifier
        notifier.stopping(self.view.line(rt.now(), stopping=True))
        self.timers.cancel()
        self.holidays.cancel()
        self.faults.cancel_retries()
        if self._watch_task is not None:
            await cancel(self._watch_task)
        if self._media_task is not None:
            await cancel(self._media_task)
        self.alerting.monitor_alert("stopped", Severity.WARNING)
        await self.alerting.grace()
        await self.tasks.cancel_all()
        await self.alerting.kill_sender()
        self.continuity.leave_open(rt.now())
        self.integrity.beat(rt.now())  # the witness notes the head left behind
        self.faults.safe("indicator", "stop heartbeat", rt.indicator.stop_heartbeat)
        await control.close()
        self._close_parts()
        notifier.close()
        log.info("stopped")

    def _restart_watcher(self) -> None:
        if self._watch_task is not None:
            self.tasks.spawn(cancel(self._watch_task), "stop old watcher")
            self._watch_task = self.tasks.spawn(self.watching.run(), "watcher")

    # ------------------------------------------------------------------ inputs

    def feed(self, event: Input) -> None:
        """Step the engine with ``event`` now and apply the effects (synchronous on purpose:
        a step and its effects never interleave with another)."""
        rt, _ = self.rt, self.jumps.check()
        now = rt.now()
        try:
            step = rt.engine.step(rt.state, event, now)
        except Exception as exc:
            log.exception("engine failed on %r; input skipped", event)
            self.faults.failed("engine", exc, f"{type(exc).__name__}: {exc}")
            return
        self.faults["engine"].ok()
        rt.steps += 1
        rt.state = step.state
        self.effects.apply(step.effects, event)
        self.timers.wake_at(step.wake_at, now)
        self.continuity.stepped(now)
        if step.effects:
            self.view.publish(now)
            self.stream.push()

    def acknowledge(self, by: str, source: str) -> bool:
        """Feed an acknowledgement; record it if the session's first (it holds); return that."""
        was = self.state.acked
        self.feed(Acknowledged(by=by, source=source))
        silenced = self.state.acked and not was
        if silenced:
            now = self.rt.now()
            sid = self.state.session.id if self.state.session else None
            rt = self.rt  # its register at the time of the write (a retry may be later)
            self.writes.write(
                "ack", lambda: rt.register.record_ack(by or source, source, now, sid), source
            )
            log.info("alarm acknowledged by %s via %s", by or "someone", source)
        return silenced

    def _ack_from_thread(self, source: str) -> None:
        """The indicator's button (a gpiozero thread): hand the press to the loop."""
        loop = self.rt.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self.acknowledge, "", source)

    def _in_loop(self, fn: Callable[[str], None]) -> Callable[[str], None]:
        """Return a callback that a foreign thread may call: it runs ``fn`` in the loop."""

        def call(arg: str) -> None:
            loop = self.rt.loop
            if loop is not None and not loop.is_closed():
                loop.call_soon_threadsafe(fn, arg)

        return call

    def _reload_from_signal(self) -> None:
        async def reload() -> None:
            with contextlib.suppress(ConfigError):  # logged; the old config stays in force
                await self.reloader.reload(by="SIGHUP")

        self.tasks.spawn(reload(), "reload")

    async def reload(self, *, by: str = "") -> dict[str, Any]:
        """Read the config again and apply it (see ``Reloader.reload``)."""
        return await self.reloader.reload(by=by)

    # ------------------------------------------------------------------ timers

    def _heartbeat(self) -> None:
        """The only periodic work: prove the loop is alive, ``last_seen`` or the alive mark."""
        self.jumps.check()
        now = self.rt.now()
        self.rt.parts.notifier.watchdog()
        self.continuity.heartbeat(now)
        self.integrity.beat(now)
        if self.timers.overdue(now):
            self.feed(Tick())
        self.view.publish(now)

    def _send_ready(self) -> None:
        if not self._ready_sent:
            self._ready_sent = True
            self.rt.parts.notifier.ready(self.view.line(self.rt.now()))
            log.info("ready")

    @property
    def pattern_shown_at(self) -> float | None:
        """POSIX time of the last pattern the indicator took (the benchmark reads it)."""
        return self.lamp.shown_at
