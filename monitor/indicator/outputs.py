"""The gpiozero outputs of the indicator: one device, its drive, the thread playing it."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

from gpiozero import DigitalOutputDevice
from gpiozero.threads import GPIOThread

from monitor.domain.enums import OutputState
from monitor.errors import IndicatorError
from monitor.indicator.looks import Drive, Rhythm

OUTPUTS = ("led", "status_led", "buzzer")  # also the self-test order


class RhythmThread(GPIOThread):
    """Play a ``Rhythm`` on one output until stopped (or its ``n`` repeats are done).

    A GPIOThread, so gpiozero stops it at interpreter exit like its own blinkers.
    A pin that fails ends the thread with ``failed`` set, after calling
    ``on_error(exc)``: an exception would otherwise die with the thread, unseen,
    and the lamp would stop blinking without anyone knowing. ``on_ok()`` is called
    once the first step has been driven."""

    def __init__(
        self,
        device: DigitalOutputDevice,
        rhythm: Rhythm,
        name: str,
        on_error: Callable[[BaseException], None],
        on_ok: Callable[[], None],
    ):
        self._device = device
        self._rhythm = rhythm
        self._on_error = on_error
        self._on_ok = on_ok
        self.failed = False
        super().__init__(self._play, name=f"indicator-{name}")

    def _play(self) -> None:
        repeats = itertools.repeat(None) if self._rhythm.n is None else range(self._rhythm.n)
        first = True
        for _ in repeats:
            for i, seconds in enumerate(self._rhythm.steps):
                try:
                    if i % 2 == 0:
                        self._device.on()
                    else:
                        self._device.off()
                except Exception as exc:  # noqa: BLE001 - handed to on_error, never lost
                    self.failed = True
                    self._on_error(exc)
                    return
                if first:
                    first = False
                    self._on_ok()
                if self.stopping.wait(seconds):
                    return


class Output:
    """One output device, the drive it plays, and the thread playing it.

    ``on_error(output, exc)`` when its rhythm thread's pin fails; ``on_ok(output)``
    each time a drive has been applied without error."""

    def __init__(
        self,
        name: str,
        pin: int,
        device: DigitalOutputDevice,
        *,
        on_error: Callable[[Output, BaseException], None],
        on_ok: Callable[[Output], None],
    ):
        self.name = name
        self.pin = pin
        self.device = device
        self.drive: Drive = False
        self.thread: RhythmThread | None = None
        self._on_error = on_error
        self._on_ok = on_ok

    def set(self, drive: Drive, *, force: bool = False) -> None:
        """Play ``drive`` from its start, unless it is already playing (then leave it
        alone, so an unchanged blink keeps its phase). A rhythm whose pin failed is
        not playing: it starts again. Raise what the pin raises for a steady drive."""
        failed = self.thread is not None and self.thread.failed
        if drive == self.drive and not force and not failed:
            return
        self.stop()
        self.drive = False
        if isinstance(drive, Rhythm):
            self.thread = RhythmThread(
                self.device,
                drive,
                self.name,
                on_error=lambda exc: self._on_error(self, exc),
                on_ok=lambda: self._on_ok(self),
            )
            self.thread.start()
        else:
            if drive:
                self.device.on()
            else:
                self.device.off()
            self._on_ok(self)
        self.drive = drive

    def stop(self) -> None:
        """Stop any rhythm, leaving the output as it is at this instant."""
        if self.thread is not None:
            self.thread.stop()
            self.thread = None

    def actual(self) -> OutputState:
        """Return what the output really does: blinking, on, off (or released once closed)."""
        if self.device.closed:
            return OutputState.RELEASED
        if self.thread is not None and self.thread.is_alive():
            return OutputState.BLINKING
        return OutputState.ON if self.device.is_active else OutputState.OFF

    def close(self) -> None:
        self.stop()
        self.device.close()


def make_device(factory: Any, name: str, pin: int, cls: type, **kwargs: Any) -> Any:
    """Return the gpiozero device ``cls`` on ``pin`` built on ``factory``; raise
    IndicatorError naming the device (``indicator.<name>``) and pin if it fails."""
    try:
        return cls(pin, pin_factory=factory, **kwargs)
    except Exception as exc:  # gpiozero's errors, OSError from /dev/gpiochip*, ...
        raise IndicatorError(
            f"cannot set up indicator.{name} on GPIO{pin}: {type(exc).__name__}: {exc}"
        ) from exc


def describe_outputs(outputs: dict[str, Output], *, silenced: bool) -> dict[str, dict[str, Any]]:
    """Return what each output really does, for ``state()``: its pin and state; the
    buzzer's blinking is ``beeping``, and it is ``silenced`` when acknowledged and off."""
    devices: dict[str, dict[str, Any]] = {}
    for name in OUTPUTS:
        out = outputs.get(name)
        if out is not None:
            devices[name] = {"pin": out.pin, "state": out.actual()}
    buzzer = devices.get("buzzer")
    if buzzer is not None:
        if buzzer["state"] is OutputState.BLINKING:
            buzzer["state"] = OutputState.BEEPING
        elif silenced and buzzer["state"] is OutputState.OFF:
            buzzer["state"] = OutputState.SILENCED
        buzzer["silenced"] = silenced
    return devices


def light_in_turn(
    outputs: dict[str, Output],
    lock: threading.Lock,
    *,
    step: float,
    cancel: threading.Event,
    closed: Callable[[], bool],
) -> None:
    """The self-test: every output off, then each on for ``step`` seconds in turn (main
    LED, status LED, buzzer). Stop early once ``cancel`` is set or ``closed()``.
    ``lock`` is the indicator's, taken around each change of a pin."""
    with lock:
        for out in outputs.values():
            out.set(False, force=True)
    for name in OUTPUTS:
        lit = outputs.get(name)
        if lit is None:
            continue
        with lock:
            if closed():
                return
            lit.device.on()
        cancelled = cancel.wait(step)
        with lock:
            if not lit.device.closed:
                lit.device.off()
        if cancelled:
            return


class HoldTimer:
    """Times a button hold without polling: ``start`` on press, ``cancel`` on release;
    ``on_held()`` runs in the timer's thread ``seconds`` after a press that was not
    released. The caller serialises ``start``/``cancel``/``forget`` (its lock)."""

    def __init__(self, seconds: float, on_held: Callable[[], None]):
        self._seconds = seconds
        self._on_held = on_held
        self._timer: threading.Timer | None = None

    def start(self) -> None:
        """Start timing (again, if a hold was being timed)."""
        self.cancel()
        timer = threading.Timer(self._seconds, self._on_held)
        timer.name = "indicator-button-hold"
        timer.daemon = True
        self._timer = timer
        timer.start()

    def cancel(self) -> None:
        """Stop timing a hold, if one is timed."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def forget(self) -> None:
        """The timer fired: nothing is timed any more."""
        self._timer = None
