"""One end of the serial link to the indicator box: the I/O thread both ends run.

``LinkEnd`` opens the port (reopening with backoff when it fails or vanishes), reads
lines into messages, writes queued messages and runs the end's timers. The PC's
``monitor.indicator.box.BoxIndicator`` and the Pi's ``monitor.box.BoxRunner`` are
subclasses. One small thread per end: it works the same whether the caller is the
daemon's asyncio loop or a synchronous command. Callbacks are called from that
thread; the daemon marshals them onto its loop. pyserial is imported on first open.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from monitor.boxlink.protocol import Message, encode
from monitor.boxlink.reader import LineReader

log = logging.getLogger("monitor.boxlink")

BAUDRATE = 115200  # ignored by USB CDC ACM; right for a USB-UART adapter
BACKOFF_FIRST = 0.5  # s before the first reopen of a failed port, doubling ...
BACKOFF_MAX = 10.0  # ... up to this
WRITE_TIMEOUT = 0.5  # s: a port that takes no data this long counts as failed


def open_serial(port: str, baudrate: int) -> Any:
    """Return an open pyserial port (raw, exclusive); raise serial.SerialException/OSError."""
    import serial  # optional at import: only the box kinds need pyserial

    return serial.Serial(
        port, baudrate=baudrate, timeout=0, write_timeout=WRITE_TIMEOUT, exclusive=True
    )


class LinkEnd:
    """One end of the link: a thread that opens the port (reopening with backoff),
    reads lines into ``_handle``, writes queued messages and runs ``_tick`` timers.

    Subclasses implement ``_on_open``, ``_handle``, ``_tick`` (which returns the
    next monotonic instant it needs to run again, or None) and ``_on_lost_port``.
    """

    def __init__(
        self,
        port: str,
        accept: Iterable[str],
        *,
        name: str,
        baudrate: int = BAUDRATE,
        backoff_first: float = BACKOFF_FIRST,
        backoff_max: float = BACKOFF_MAX,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.port = port
        self.reader = LineReader(accept)
        self._baudrate = baudrate
        self._backoff_first = backoff_first
        self._backoff_max = backoff_max
        self._backoff = backoff_first
        self._clock = clock
        self._lock = threading.Lock()  # guards _ser replacement, _outbox, subclass state
        self._ser: Any = None
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
            ser = open_serial(self.port, self._baudrate)
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
