"""Both ends of the serial link to the Raspberry Pi indicator box.

PC side: ``BoxIndicator``, an ``Indicator`` (see monitor.indicator) that sends
the current pattern to the box at once on every change and repeats it every
``REPEAT_EVERY`` seconds as the monitor's heartbeat. A vanished port never
stops the monitor: the fault is reported once (``on_fault``), the port is
reopened with backoff, the current pattern is restored as soon as the box is
back (``on_restore``). The box's button arrives as ``on_ack("box button")``.

Box side: ``BoxRunner`` reads the PC's messages and drives a ``BoxDisplay``
(the gpiozero indicator plus the ``lost`` signal). Fail-safe: when no valid
message has arrived for ``LOST_AFTER`` seconds the box shows ``lost`` (double
blink, status LED dark, a chirp once a minute) until messages return, so a
dead monitor never looks like "offline, all fine".

Both ends run one small I/O thread each: it works the same whether the caller
is the daemon's asyncio loop or a synchronous command. Callbacks are called
from that thread; the daemon marshals them onto its loop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from monitor import __version__
from monitor.config import Indicator as IndicatorConfig
from monitor.domain.enums import Pattern
from monitor.indicator.boxlink import (
    TO_BOX,
    TO_PC,
    Ack,
    Heartbeat,
    Hello,
    LineReader,
    Message,
    PatternMsg,
    encode,
)
from monitor.indicator.looks import Look, Rhythm

log = logging.getLogger(__name__)

BAUDRATE = 115200  # ignored by USB CDC ACM; right for a USB-UART adapter
REPEAT_EVERY = 1.0  # s: the PC repeats its pattern this often (the box allows LOST_AFTER)
LOST_AFTER = 5.0  # s without a valid message before the box shows `lost`
CHIRP_EVERY = 60.0  # s between two chirps while `lost`
BACKOFF_FIRST = 0.5  # s before the first reopen of a failed port, doubling ...
BACKOFF_MAX = 10.0  # ... up to this
WRITE_TIMEOUT = 0.5  # s: a port that takes no data this long counts as failed
ACK_SOURCE = "box button"  # the source recorded in the register for the box's button


def _open_serial(port: str, baudrate: int):
    """Return an open pyserial port (raw, exclusive); raise serial.SerialException/OSError."""
    import serial  # optional at import: only the box kinds need pyserial

    return serial.Serial(
        port, baudrate=baudrate, timeout=0, write_timeout=WRITE_TIMEOUT, exclusive=True
    )


class _LinkEnd:
    """One end of the link: a thread that opens the port (reopening with backoff),
    reads lines into ``_handle``, writes queued messages and runs ``_tick`` timers.

    Subclasses implement ``_on_open``, ``_handle``, ``_tick`` (which returns the
    next monotonic instant it needs to run again, or None) and ``_on_lost_port``.
    """

    def __init__(self, port: str, accept, *, name: str, baudrate: int = BAUDRATE,
                 backoff_first: float = BACKOFF_FIRST, backoff_max: float = BACKOFF_MAX,
                 clock: Callable[[], float] = time.monotonic):
        self.port = port
        self.reader = LineReader(accept)
        self._baudrate = baudrate
        self._backoff_first = backoff_first
        self._backoff_max = backoff_max
        self._backoff = backoff_first
        self._clock = clock
        self._lock = threading.Lock()  # guards _ser replacement, _outbox, subclass state
        self._ser = None
        self._outbox: list[Message] = []
        self._deferred: list[tuple[Callable[[str], None], str]] = []
        self._seq = 0
        self._wake = threading.Event()
        self._closing = False
        self._reopen_at = 0.0
        self.sent = 0
        self.send_errors = 0
        self.opened = 0  # successful opens (1 + reconnects)
        self.last_error: str | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    # ------------------------------------------------------------------ for subclasses

    def _start(self) -> None:
        self._thread.start()

    def _queue(self, make: Callable[[int], Message]) -> None:
        """Queue the message ``make(seq)`` and wake the thread. Call with _lock held."""
        self._outbox.append(make(self._seq))
        self._seq += 1
        self._poke_locked()

    def _defer(self, callback: Callable[[str], None] | None, arg: str) -> None:
        """Call ``callback(arg)`` once _lock is released (it may call show()). With _lock."""
        if callback is not None:
            self._deferred.append((callback, arg))

    def _run_deferred(self) -> None:
        with self._lock:
            todo, self._deferred = self._deferred, []
        for callback, arg in todo:
            try:
                callback(arg)
            except Exception:  # a failing callback must not kill the link
                log.exception("box link %s: callback failed", self.port)

    def _poke(self) -> None:
        with self._lock:
            self._poke_locked()

    def _poke_locked(self) -> None:
        self._wake.set()
        ser = self._ser
        if ser is not None:
            try:
                ser.cancel_read()  # interrupts a blocking read at once
            except (OSError, TypeError, ValueError):
                pass  # closing under our feet: the loop notices

    @property
    def connected(self) -> bool:
        return self._ser is not None

    def _on_open(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _handle(self, msg: Message, now: float) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _tick(self, now: float) -> float | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _on_lost_port(self, error: str) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # ------------------------------------------------------------------ the thread

    def close(self) -> None:
        """Stop the thread and close the port. Idempotent."""
        self._closing = True
        self._poke()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)
        with self._lock:
            self._drop_port()

    def _drop_port(self) -> None:
        ser, self._ser = self._ser, None
        if ser is not None:
            try:
                ser.close()
            except OSError as exc:  # a dead device may fail to close; it is gone anyway
                log.debug("box link %s: close failed: %s", self.port, exc)

    def _run(self) -> None:
        while not self._closing:
            try:
                self._step()
            except Exception:  # one bad event never kills the link
                log.exception("box link %s: unexpected error; reopening the port", self.port)
                self._fail("internal error")
                self._wake.wait(self._backoff_first)
        if self._ser is not None:
            # A change made just before close() (test-indicator's final "off") still goes out.
            with self._lock:
                self._tick(self._clock())
            self._flush()

    def _step(self) -> None:
        now = self._clock()
        with self._lock:
            due = self._tick(now)
        if self._ser is None and now >= self._reopen_at:
            self._try_open(now)
            if self._ser is not None:
                return  # run the timers again at once: _on_open may have work for them
        if self._ser is not None:
            self._flush()
        if self._ser is None:
            due = self._reopen_at if due is None else min(due, self._reopen_at)
        timeout = 60.0 if due is None else min(60.0, max(0.0, due - self._clock()))
        ser = self._ser
        if ser is None:
            self._wake.wait(timeout)
            self._wake.clear()
            return
        self._wake.clear()
        try:
            if ser.timeout != timeout:
                ser.timeout = timeout
            data = ser.read(1)
            if data:
                waiting = ser.in_waiting
                if waiting:
                    data += ser.read(waiting)  # already there: returns at once
        except (OSError, ValueError) as exc:  # SerialException is an OSError
            self._fail(f"read failed: {exc}")
            return
        if data:
            now = self._clock()
            with self._lock:
                for msg in self.reader.feed(data):
                    self._handle(msg, now)
            self._run_deferred()

    def _try_open(self, now: float) -> None:
        try:
            ser = _open_serial(self.port, self._baudrate)
        except (OSError, ValueError) as exc:  # SerialException is an OSError
            self._reopen_at = now + self._backoff
            self._backoff = min(self._backoff * 2, self._backoff_max)
            self._lost(f"cannot open: {exc}")
            return
        with self._lock:
            self._ser = ser
            self._backoff = self._backoff_first
            self.opened += 1
            self.reader.reset()
            self._on_open()
        self._run_deferred()

    def _flush(self) -> None:
        with self._lock:
            out, self._outbox = self._outbox, []
        ser = self._ser
        for msg in out:
            try:
                ser.write(encode(msg))
                self.sent += 1
            except (OSError, ValueError) as exc:  # SerialTimeoutException too
                self.send_errors += 1
                self._fail(f"write failed: {exc}")
                return

    def _fail(self, error: str) -> None:
        with self._lock:
            self._drop_port()
            self._outbox.clear()  # the state is re-sent in full on reopen
        self._reopen_at = self._clock() + self._backoff
        self._backoff = min(self._backoff * 2, self._backoff_max)
        self._lost(error)

    def _lost(self, error: str) -> None:
        with self._lock:
            self.last_error = error
            self._on_lost_port(error)
        self._run_deferred()


# =========================================================================== PC side


class BoxIndicator(_LinkEnd):
    """The ``Indicator`` of kind "box": the pattern goes to the box over ``port``.

    ``show`` never blocks on the port and never raises on a port error. Callbacks
    (called from the link thread): ``on_ack("box button")`` when the box's button
    is pressed; ``on_fault(message)`` once when the box becomes unreachable (at
    start-up too); ``on_restore(message)`` once when it is back after a fault.
    """

    def __init__(self, port: str, *, on_ack: Callable[[str], None] | None = None,
                 on_fault: Callable[[str], None] | None = None,
                 on_restore: Callable[[str], None] | None = None,
                 repeat_every: float = REPEAT_EVERY, **link: Any):
        super().__init__(port, TO_PC, name="box-indicator", **link)
        self._on_ack = on_ack
        self._on_fault = on_fault
        self._on_restore = on_restore
        self._repeat_every = repeat_every
        self._pattern = Pattern.OFF
        self._silenced = False
        self._heartbeat = True  # repeats run until stop_heartbeat(): they *are* the heartbeat
        self._next_send = 0.0
        self._faulted = False
        self.box_version: str | None = None
        self.hellos = 0
        self.acks = 0
        self._start()

    # ---------------------------------------------------------------- Indicator protocol

    def show(self, pattern: Pattern, *, silenced: bool = False) -> None:
        """Show ``pattern`` on the box: sent at once (from the link thread) if it changed."""
        pattern = Pattern(pattern)
        with self._lock:
            if (pattern, silenced) == (self._pattern, self._silenced):
                return
            self._pattern, self._silenced = pattern, bool(silenced)
            self._next_send = 0.0  # now
            self._poke_locked()

    def start_heartbeat(self) -> None:
        """Repeat the pattern every ``repeat_every`` s: the box's status LED blinks."""
        with self._lock:
            self._heartbeat = True
            self._next_send = 0.0
            self._poke_locked()

    def stop_heartbeat(self) -> None:
        """Stop repeating: the box shows ``lost`` after LOST_AFTER (the monitor stopped)."""
        with self._lock:
            self._heartbeat = False

    def close(self, *, keep_led: bool = True) -> None:
        """Stop sending and close the port; the box shows ``lost`` LOST_AFTER s later
        (nobody watches the link any more). ``keep_led`` is accepted for the protocol:
        the box's LED is the box's. Idempotent."""
        super().close()

    def state(self) -> dict[str, Any]:
        """Return the real state of the link, JSON-able, for ``status``."""
        with self._lock:
            return {
                "kind": "box",
                "port": self.port,
                "connected": self.connected,
                "state": "connected" if self.connected else "disconnected",
                "pattern": self._pattern.value,
                "silenced": self._silenced,
                "heartbeat": self._heartbeat,
                "box_version": self.box_version,
                "hellos": self.hellos,
                "acks": self.acks,
                "sent": self.sent,
                "send_errors": self.send_errors,
                "reconnects": max(0, self.opened - 1),
                "last_error": self.last_error,
                "received": self.reader.counters(),
            }

    # ---------------------------------------------------------------- link hooks

    def _on_open(self) -> None:
        self._next_send = 0.0  # restore the current pattern at once
        if self._faulted:
            self._faulted = False
            message = f"indicator box reconnected on {self.port}"
            log.warning("%s", message)
            self._defer(self._on_restore, message)
        else:
            log.info("indicator box port %s open", self.port)

    def _on_lost_port(self, error: str) -> None:
        if self._faulted:
            log.debug("indicator box %s still unreachable: %s", self.port, error)
            return
        self._faulted = True
        message = f"indicator box disconnected: {self.port}: {error}"
        log.warning("%s (retrying in the background)", message)
        self._defer(self._on_fault, message)

    def _handle(self, msg: Message, now: float) -> None:
        if isinstance(msg, Hello):
            self.hellos += 1
            self.box_version = msg.version
            self._next_send = 0.0  # a (re)started box needs the pattern now
            log.info("indicator box %s says hello (version %s)", self.port, msg.version)
        elif isinstance(msg, Ack):
            self.acks += 1
            self._defer(self._on_ack, ACK_SOURCE)

    def _tick(self, now: float) -> float | None:
        if self._ser is None:
            return None
        forced = self._next_send == 0.0
        if forced or (self._heartbeat and now >= self._next_send):
            pattern, silenced = self._pattern, self._silenced
            self._queue(lambda seq: PatternMsg(seq, pattern, silenced))
            self._next_send = now + self._repeat_every
        return self._next_send if self._heartbeat else None


# =========================================================================== box side


class BoxDisplay(Protocol):
    """What the box shows: a pattern from the PC, or ``lost``."""

    def show(self, pattern: Pattern, *, silenced: bool) -> None: ...
    def lost(self) -> None: ...


def lost_look(config: IndicatorConfig, *, chirp_every: float = CHIRP_EVERY) -> Look:
    """Return the ``lost`` look: a double blink on the main LED (``fast_blink`` on,
    off, on, then off for four times as long) and one ``beep``-long chirp every
    ``chirp_every`` s. Distinct from every engine pattern, never steady, never dark."""
    blink = config.fast_blink.total_seconds()
    beep = config.beep.total_seconds()
    return Look(
        "lost",
        led=Rhythm((blink, blink, blink, 4 * blink)),
        buzzer=Rhythm((beep, max(beep, chirp_every - beep))),
        label_ja="✕ 監視停止 (PCから信号なし)",
        label_en="LOST: no signal from the PC monitor",
    )


class IndicatorDisplay:
    """A ``BoxDisplay`` on the gpiozero indicator: the PC's pattern with the status LED
    flashing (the PC's monitor lives), or ``lost`` with the status LED dark.

    ``indicator`` must offer ``play(look)`` besides the Indicator protocol
    (``monitor.indicator.gpio.GpioIndicator`` does)."""

    def __init__(self, indicator: Any, config: IndicatorConfig, *,
                 chirp_every: float = CHIRP_EVERY):
        self.indicator = indicator
        self._lost = lost_look(config, chirp_every=chirp_every)

    def show(self, pattern: Pattern, *, silenced: bool) -> None:
        self.indicator.show(pattern, silenced=silenced)
        self.indicator.start_heartbeat()

    def lost(self) -> None:
        self.indicator.stop_heartbeat()
        self.indicator.play(self._lost)


class BoxRunner(_LinkEnd):
    """The box's end: shows the PC's pattern on ``display``; ``lost`` after ``lost_after``
    s without a valid message; ``ack()`` (the button) tells the PC.

    Starts showing ``lost`` (nothing has been heard yet); says hello
    on every (re)open of the port so the PC re-sends its state at once.
    """

    def __init__(self, port: str, display: BoxDisplay, *, lost_after: float = LOST_AFTER,
                 version: str = __version__, **link: Any):
        super().__init__(port, TO_BOX, name="box-runner", **link)
        self.display = display
        self.lost_after = lost_after
        self.version = version
        self.is_lost = True
        self.pattern: Pattern | None = None  # last pattern from the PC
        self.silenced = False
        self.acks_sent = 0
        self._last_valid: float | None = None
        display.lost()
        self._start()

    def ack(self, source: str = "") -> None:
        """Send an acknowledgement to the PC (the button was pressed); never blocks."""
        with self._lock:
            self.acks_sent += 1
            self._queue(Ack)
        log.info("button pressed: acknowledgement sent to the PC")

    def wait(self) -> None:
        """Block until ``close()`` (from a signal handler or another thread)."""
        while self._thread.is_alive():
            self._thread.join(timeout=1)

    def state(self) -> dict[str, Any]:
        """Return the box's state, JSON-able (for logs and tests)."""
        with self._lock:
            return {
                "port": self.port,
                "connected": self.connected,
                "lost": self.is_lost,
                "pattern": self.pattern.value if self.pattern else None,
                "silenced": self.silenced,
                "acks_sent": self.acks_sent,
                "sent": self.sent,
                "reconnects": max(0, self.opened - 1),
                "last_error": self.last_error,
                "received": self.reader.counters(),
            }

    # ---------------------------------------------------------------- link hooks

    def _on_open(self) -> None:
        log.info("box port %s open; saying hello", self.port)
        self._queue(lambda seq: Hello(seq, self.version))

    def _on_lost_port(self, error: str) -> None:
        log.warning("box port %s: %s (retrying)", self.port, error)

    def _handle(self, msg: Message, now: float) -> None:
        if self._last_valid is None:
            log.info("first message from the PC")
        self._last_valid = now
        if isinstance(msg, PatternMsg):
            changed = (msg.pattern, msg.silenced) != (self.pattern, self.silenced)
            self.pattern, self.silenced = msg.pattern, msg.silenced
            if changed or self.is_lost:
                self._apply()
        elif isinstance(msg, Heartbeat) and self.is_lost and self.pattern is not None:
            self._apply()

    def _apply(self) -> None:
        if self.is_lost:
            log.info("showing %s (as the PC says)", self.pattern)
        self.display.show(self.pattern, silenced=self.silenced)
        self.is_lost = False  # after the pins: see _tick

    def _tick(self, now: float) -> float | None:
        if self.is_lost or self._last_valid is None:
            return None
        deadline = self._last_valid + self.lost_after
        if now < deadline:
            return deadline
        log.warning("no valid message from the PC for %g s: showing `lost` until it is back",
                    self.lost_after)
        # Display first, flag second: whoever sees is_lost (state(), tests) sees the
        # `lost` look already on the pins.
        self.display.lost()
        self.is_lost = True
        return None


def start_box(config: IndicatorConfig, port: str, *, pin_factory: Any = None,
              lost_after: float = LOST_AFTER, chirp_every: float = CHIRP_EVERY,
              **link: Any) -> tuple[BoxRunner, Any]:
    """Build the box's indicator and start its link on ``port``; return ``(runner,
    indicator)``. The caller closes the runner, then the indicator.

    The indicator is the gpiozero one (pins and timings from ``config``, pin factory
    ``pin_factory`` or from $GPIOZERO_PIN_FACTORY); kind "console" is honoured for
    trying the box on a desktop, any other kind means GPIO, so a box whose GPIO is
    broken fails loudly instead of falling back to a console nobody sees. Raise
    IndicatorError if the GPIO devices cannot be set up. The button sends an
    acknowledgement to the PC; holding it runs the indicator's self-test.
    """
    from monitor.indicator import build_indicator

    if config.kind != "console":
        config = config.model_copy(update={"kind": "gpio"})
    holder: dict[str, BoxRunner] = {}

    def on_ack(source: str) -> None:
        runner = holder.get("runner")
        if runner is not None:
            runner.ack(source)

    indicator = build_indicator(config, pin_factory=pin_factory, on_ack=on_ack)
    try:
        display = IndicatorDisplay(indicator, config, chirp_every=chirp_every)
        holder["runner"] = BoxRunner(port, display, lost_after=lost_after, **link)
    except Exception:
        indicator.close()
        raise
    return holder["runner"], indicator
