"""The gpiozero indicator: main LED, buzzer, acknowledge button, status LED heartbeat.

Every device is built on the pin factory handed in (never gpiozero's global
``Device.pin_factory``), so tests pass a ``MockFactory`` and read whole pin
histories. Blinking is played by one ``_RhythmThread`` per output; the buzzer and
the LED are separate outputs, so silencing the buzzer leaves the LED's blink
undisturbed and a new alarm restarts only the buzzer.

Threads: gpiozero calls the button handlers from its own threads, the rhythms,
the hold timer and the self-test run in threads of their own, and the daemon calls
``show`` from its loop. The button is a plain ``DigitalInputDevice``, not a gpiozero
``Button``: a ``Button`` always runs a hold thread that polls every 0.1 s, which
woke an idle daemon ~600 times a minute. Holding is timed instead by a
``threading.Timer`` started on press and cancelled on release (no wake-up while
nobody touches the button). One lock guards the indicator's state; callbacks (``on_ack``,
``on_self_test``) are called outside it so they may call back into ``show``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from gpiozero import LED, Buzzer, DigitalInputDevice

from monitor.domain.enums import AckSource, LookName, OutputState, Pattern
from monitor.indicator.looks import Drive, Look, heartbeat_rhythm, look_for
from monitor.indicator.outputs import (
    HoldTimer,
    Output,
    describe_outputs,
    light_in_turn,
    make_device,
)
from monitor.indicator.settings import IndicatorConfig

BUTTON_SOURCE = AckSource.GPIO_BUTTON
# A cheap push button bounces for a few milliseconds: one press, one acknowledgement.
BUTTON_BOUNCE = 0.05


class GpioIndicator:
    """LED / buzzer / button / status LED on GPIO, built on an explicit pin factory.

    ``show`` drives the engine's patterns; ``play`` drives any other ``Look`` (the
    box's ``lost``). Pressing the button calls ``on_ack("gpio button")`` (without
    an ``on_ack`` it silences a sounding alarm itself, so ``test-indicator`` can
    check the button); holding it ``self_test_hold`` runs ``self_test``.
    """

    kind = "gpio"

    def __init__(
        self,
        config: IndicatorConfig,
        pin_factory: Any,
        *,
        on_ack: Callable[[str], None] | None = None,
        on_self_test: Callable[[str], None] | None = None,
        on_fault: Callable[[str], None] | None = None,
        on_restore: Callable[[str], None] | None = None,
        log: logging.Logger | None = None,
        owns_factory: bool = False,
    ):
        """Build every configured device on ``pin_factory``; raise IndicatorError
        naming the device and pin if one cannot be set up (the others are released).
        ``owns_factory``: close the factory once every device is released.

        A pin that fails while a blink plays (in its thread, where nothing could
        catch it) is reported as ``on_fault(message)``, and ``on_restore(message)``
        once the outputs work again; showing a pattern again restarts the blink."""
        self._config = config
        self._factory = pin_factory
        self._owns_factory = owns_factory
        self._on_ack = on_ack
        self._on_self_test = on_self_test
        self._on_fault = on_fault
        self._on_restore = on_restore
        self._failing: set[str] = set()  # outputs whose blink failed, until they work
        self._log = log or logging.getLogger("monitor.indicator")
        self._lock = threading.Lock()
        self._look = look_for(Pattern.OFF, False, config)
        self._pattern: LookName | str = LookName.OFF
        self._silenced = False
        self._heartbeat = False
        self._closed = False
        self._self_test: threading.Thread | None = None
        self._cancel_self_test = threading.Event()
        self._outputs: dict[str, Output] = {}
        self._button: DigitalInputDevice | None = None
        self._hold = HoldTimer(config.self_test_hold.total_seconds(), self._held)
        try:
            self._build()
        except Exception:
            self._release_all()
            raise

    def _build(self) -> None:
        cfg = self._config
        for name, cls in (("led", LED), ("status_led", LED), ("buzzer", Buzzer)):
            pin = getattr(cfg, name)
            if pin is None:
                continue
            device = make_device(self._factory, name, pin, cls, active_high=cfg.active_high)
            self._outputs[name] = Output(
                name, pin, device, on_error=self._output_failed, on_ok=self._output_ok
            )
        if cfg.button is not None:
            # Wired to GND with the internal pull-up: pressed = low = active.
            self._button = make_device(
                self._factory,
                "button",
                cfg.button,
                DigitalInputDevice,
                pull_up=True,
                bounce_time=BUTTON_BOUNCE,
            )
            self._button.when_activated = self._pressed
            self._button.when_deactivated = self._released

    # ------------------------------------------------------------------ the protocol

    def show(self, pattern: Pattern, *, silenced: bool = False) -> None:
        """Show ``pattern``; ``silenced`` stops the alarm's buzzer but not its blink.
        Outputs whose drive does not change are left undisturbed."""
        pattern = Pattern(pattern)
        self.play(
            look_for(pattern, silenced, self._config),
            silenced=silenced and pattern is Pattern.ALARM,
        )

    def play(self, look: Look, *, silenced: bool = False) -> None:
        """Drive the main LED and buzzer as ``look`` says; ``state()`` then reports
        ``look.name`` as the pattern. Does nothing once closed."""
        with self._lock:
            if self._closed:
                return
            self._look, self._pattern, self._silenced = look, look.name, silenced
            self._apply()

    def start_heartbeat(self) -> None:
        """Flash the status LED (``heartbeat_on`` every ``heartbeat_every``)."""
        with self._lock:
            if self._closed:
                return
            self._heartbeat = True
            self._apply()

    def stop_heartbeat(self) -> None:
        """Stop the heartbeat and leave the status LED off."""
        with self._lock:
            self._heartbeat = False
            if not self._closed:
                self._apply()

    def state(self) -> dict[str, Any]:
        """Return the real current state: pattern, silenced, heartbeat, and what each
        device is doing right now (``on`` / ``off`` / ``blinking``; the buzzer also
        ``beeping`` or ``silenced``). JSON-able."""
        with self._lock:
            devices = describe_outputs(self._outputs, silenced=self._silenced)
            if self._button is not None:
                devices["button"] = {
                    "pin": self._config.button,
                    "pressed": None if self._button.closed else bool(self._button.is_active),
                }
            status = self._outputs.get("status_led")
            return {
                "kind": self.kind,
                "pattern": self._pattern,
                "label": self._look.label,
                "silenced": self._silenced,
                "heartbeat": self._heartbeat
                and status is not None
                and status.actual() is OutputState.BLINKING,
                "self_test": self._self_test is not None and self._self_test.is_alive(),
                "closed": self._closed,
                "pin_factory": type(self._factory).__name__,
                "devices": devices,
            }

    def close(self, *, keep_led: bool = True) -> None:
        """Shut down cleanly: stop a self-test, the heartbeat (status LED off) and the
        buzzer, release the button, status LED and buzzer. The main LED keeps showing
        the last pattern for as long as the process lives, unless ``keep_led`` is
        False (then it is released too, e.g. before building a new indicator on the
        same pins). Idempotent."""
        self._cancel_self_test.set()
        test = self._self_test
        if test is not None and test is not threading.current_thread():
            test.join(10)
        with self._lock:
            if self._closed and keep_led:
                return
            self._closed = True
            self._heartbeat = False
            for name in ("status_led", "buzzer"):
                out = self._outputs.get(name)
                if out is not None and not out.device.closed:
                    out.stop()
                    out.device.off()
                    out.close()
            self._hold.cancel()
            if self._button is not None and not self._button.closed:
                self._button.close()
            led = self._outputs.get("led")
            if not keep_led and led is not None and not led.device.closed:
                led.close()
            if not keep_led and self._owns_factory:
                self._owns_factory = False
                self._factory.close()

    # ------------------------------------------------------------------ self-test

    def self_test(self, source: str = "self-test", *, wait: bool = False) -> bool:
        """Light every output in turn (main LED, status LED, buzzer), each for
        ``slow_blink``, then restore what was shown. Runs in its own thread; ``wait``
        blocks until it is done. Return False (and do nothing) if one is already
        running or the indicator is closed."""
        with self._lock:
            if self._closed or (self._self_test is not None and self._self_test.is_alive()):
                return False
            self._cancel_self_test.clear()
            thread = threading.Thread(
                target=self._run_self_test, name="indicator-self-test", daemon=True
            )
            self._self_test = thread
            thread.start()
        self._log.info("indicator self-test started (%s)", source)
        if self._on_self_test is not None:
            self._call(self._on_self_test, source)
        if wait:
            thread.join()
        return True

    def _run_self_test(self) -> None:
        try:
            light_in_turn(
                self._outputs,
                self._lock,
                step=self._config.slow_blink.total_seconds(),
                cancel=self._cancel_self_test,
                closed=lambda: self._closed,
            )
        finally:
            with self._lock:
                self._self_test = None
                if not self._closed:
                    self._apply(force=True)

    # ------------------------------------------------------------------ internals

    def _apply(self, *, force: bool = False) -> None:
        """Drive every output as the current look and heartbeat say (lock held).
        While a self-test runs it owns the outputs; it re-applies when done."""
        if self._self_test is not None and self._self_test.is_alive() and not force:
            return
        wanted: dict[str, Drive] = {
            "led": self._look.led,
            "buzzer": self._look.buzzer,
            "status_led": heartbeat_rhythm(self._config) if self._heartbeat else False,
        }
        for name, out in self._outputs.items():
            out.set(wanted[name], force=force)

    def _pressed(self) -> None:
        """Button pressed (a gpiozero thread): time the hold, then acknowledge."""
        with self._lock:
            if self._closed:
                return
            self._hold.start()
        self._log.info("indicator button pressed: acknowledge")
        if self._on_ack is not None:
            self._call(self._on_ack, BUTTON_SOURCE)
            return
        with self._lock:
            sounding = self._pattern == Pattern.ALARM and not self._silenced
        if sounding:
            self.show(Pattern.ALARM, silenced=True)

    def _released(self) -> None:
        """Button released (a gpiozero thread): it was not held long enough."""
        with self._lock:
            self._hold.cancel()

    def _held(self) -> None:
        """Button held for ``self_test_hold`` (the hold timer's thread): self-test,
        unless it was released or the indicator closed just as the timer fired."""
        with self._lock:
            self._hold.forget()
            button = self._button
            if self._closed or button is None or button.closed or not button.is_active:
                return
        self.self_test(BUTTON_SOURCE)

    def _output_failed(self, out: Output, exc: BaseException) -> None:
        """A blink's pin failed (its thread): report it, at every failure (the daemon
        counts the episode and retries with backoff), or log it when nobody listens."""
        message = f"indicator.{out.name} on GPIO{out.pin}: {type(exc).__name__}: {exc}"
        self._failing.add(out.name)
        if self._on_fault is not None:
            self._call(self._on_fault, message)
        else:
            self._log.error("indicator: the blink stopped: %s", message)

    def _output_ok(self, out: Output) -> None:
        """``out`` was driven without error: end the episode once every output works."""
        if out.name not in self._failing:
            return
        self._failing.discard(out.name)
        if not self._failing and self._on_restore is not None:
            self._call(self._on_restore, f"indicator.{out.name} on GPIO{out.pin} works again")

    def _call(self, callback: Callable[[str], None], source: str) -> None:
        # An exception here would only print a traceback in gpiozero's thread and be lost.
        try:
            callback(source)
        except Exception:  # noqa: BLE001  (logged with its traceback)
            self._log.exception("indicator callback %r failed", callback)

    def _release_all(self) -> None:
        for out in self._outputs.values():
            if not out.device.closed:
                out.close()
        self._hold.cancel()
        if self._button is not None and not self._button.closed:
            self._button.close()
