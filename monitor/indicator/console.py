"""The console indicator (machines without GPIO) and the null indicator.

On a terminal the console indicator keeps one status line, rewritten in place:
the pattern's symbol blinks at the LED's rhythm, a heart flashes with the
heartbeat, colour where the terminal supports it. Anywhere else (a pipe, the
journal) it writes one plain line per change, so a log shows every transition.

Log lines on the same terminal go through ``write_around``: the status line is
cleared before a record and drawn again after it, so the two never share a line
(``monitor.daemon.logs`` routes the daemon's handler through it). The cursor is
hidden while the status line shows; ``close`` (also at interpreter exit) leaves the
last pattern on a line of its own, colours reset and the cursor shown.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

from monitor.domain.enums import ConsoleOutput, LookName, OutputState, Pattern
from monitor.indicator.looks import (
    Look,
    Rhythm,
    describe_drive,
    heartbeat_label,
    heartbeat_rhythm,
    look_for,
)
from monitor.indicator.settings import IndicatorConfig
from monitor.texts import t

# ANSI SGR colours per look; other looks (the box's `lost`) stay uncoloured.
COLOURS: dict[str, str] = {
    LookName.OFF: "2",
    LookName.ON: "32",
    LookName.WARN: "33;1",
    LookName.ALARM: "31;1",
    LookName.BLIND: "35;1",
}
HEART = "♥"
HIDE_CURSOR = "\x1b[?25l"
SHOW_CURSOR = "\x1b[?25h"
CLEAR_LINE = "\r\x1b[2K"


def supports_colour(stream: TextIO) -> bool:
    """Return True when ``stream`` is a terminal that takes ANSI colour: not ``dumb``,
    and ``$NO_COLOR`` (https://no-color.org) unset."""
    return (
        _isatty(stream) and os.environ.get("TERM", "") != "dumb" and not os.environ.get("NO_COLOR")
    )


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real file
        return False


def _phase_on(rhythm: Rhythm, elapsed: float) -> tuple[bool, float]:
    """Return (is the output on, seconds until it changes) ``elapsed`` seconds into
    ``rhythm`` (for the TTY animation; finite rhythms end off)."""
    period = sum(rhythm.steps)
    if rhythm.n is not None and elapsed >= period * rhythm.n:
        return False, float("inf")
    t = elapsed % period
    for i, step in enumerate(rhythm.steps):
        if t < step:
            return i % 2 == 0, step - t
        t -= step
    return False, 0.0  # rounding at the very end of a period


class ConsoleIndicator:
    """Show the pattern on ``stream`` (default stdout): a status line on a TTY, plain
    lines otherwise. ``tty`` / ``colour`` override the detection (tests)."""

    kind = "console"

    def __init__(
        self,
        config: IndicatorConfig,
        *,
        stream: TextIO | None = None,
        tty: bool | None = None,
        colour: bool | None = None,
    ):
        self._config = config
        self._stream = stream if stream is not None else sys.stdout
        self._tty = _isatty(self._stream) if tty is None else tty
        self._colour = self._tty and (supports_colour(self._stream) if colour is None else colour)
        # Cursor codes wherever a status line is drawn, but not on a "dumb" terminal.
        self._cursor = self._tty and os.environ.get("TERM", "") != "dumb"
        self._hidden = False  # the cursor is hidden (shown again by close)
        # Re-entrant: a log record written around the status line may come from a
        # thread that holds it already.
        self._lock = threading.RLock()
        self._look = look_for(Pattern.OFF, False, config)
        self._silenced = False
        self._heartbeat = False
        self._closed = False
        self._shown = False  # a line (or status line) for the current look is out
        self._look_since = time.monotonic()
        self._beat_since = time.monotonic()
        self._last_line = ""
        self._wake = threading.Event()
        self._animator: threading.Thread | None = None

    # ------------------------------------------------------------------ the protocol

    def show(self, pattern: Pattern, *, silenced: bool = False) -> None:
        """Show ``pattern`` (``silenced``: the alarm's buzzer is acknowledged)."""
        pattern = Pattern(pattern)
        self.play(
            look_for(pattern, silenced, self._config),
            silenced=silenced and pattern is Pattern.ALARM,
        )

    def play(self, look: Look, *, silenced: bool = False) -> None:
        """Show any ``look``; a repeat of the current one writes nothing."""
        with self._lock:
            if self._closed or (self._shown and look == self._look):
                return
            if look.led != self._look.led:
                self._look_since = time.monotonic()
            self._look, self._silenced, self._shown = look, silenced, True
            self._changed(f"{look.label}")

    def start_heartbeat(self) -> None:
        """Show the heartbeat (a flashing heart on a TTY; one line otherwise)."""
        with self._lock:
            if self._closed or self._heartbeat:
                return
            self._heartbeat = True
            self._beat_since = time.monotonic()
            self._changed(t("en", "indicator.console.heartbeat_started", label=heartbeat_label()))

    def stop_heartbeat(self) -> None:
        """Stop the heartbeat."""
        with self._lock:
            if self._closed or not self._heartbeat:
                return
            self._heartbeat = False
            self._changed(t("en", "indicator.console.heartbeat_stopped"))

    def state(self) -> dict[str, Any]:
        """Return the current state: pattern, silenced, heartbeat. JSON-able."""
        with self._lock:
            return {
                "kind": self.kind,
                "pattern": self._look.name,
                "label": self._look.label,
                "silenced": self._silenced,
                "heartbeat": self._heartbeat,
                "led": describe_drive(self._look.led),
                "buzzer": self._buzzer_state(),
                "output": ConsoleOutput.STATUS_LINE if self._tty else ConsoleOutput.LINES,
                "closed": self._closed,
            }

    def _buzzer_state(self) -> OutputState:
        if self._silenced:
            return OutputState.SILENCED
        return OutputState.BEEPING if isinstance(self._look.buzzer, Rhythm) else OutputState.OFF

    def write_around(self, write: Callable[[], None]) -> None:
        """Run ``write`` (it prints a log line on the same terminal) with the status
        line out of the way: cleared before, drawn again after."""
        with self._lock:
            active = self._tty and not self._closed and self._last_line != ""
            if active:
                self._write(CLEAR_LINE)
            try:
                write()
            finally:
                if active:
                    self._draw(force=True)

    def close(self, *, keep_led: bool = True) -> None:
        """Stop the animation; on a TTY end the status line with a newline (the last
        pattern stays readable; ``keep_led`` is accepted for symmetry with gpio), the
        colours reset and the cursor shown. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._heartbeat = False
            if self._tty:
                self._draw(final=True)
            self._wake.set()
        animator = self._animator
        if animator is not None and animator is not threading.current_thread():
            animator.join(5)

    # ------------------------------------------------------------------ internals

    def _changed(self, message: str) -> None:
        """Report a change (lock held): redraw the status line, or write one line."""
        if not self._tty:
            self._write(t("en", "indicator.console.line", message=message) + "\n")
            return
        self._draw()
        if self._animator is None:
            atexit.register(self.close)  # the terminal is left clean whatever ends us
            self._animator = threading.Thread(
                target=self._animate, name="indicator-console", daemon=True
            )
            self._animator.start()
        self._wake.set()

    def _status_line(self) -> tuple[str, float]:
        """Return the status line as it looks now, and seconds until it next changes."""
        now = time.monotonic()
        until = float("inf")
        label = self._look.label
        if isinstance(self._look.led, Rhythm):
            lit, until = _phase_on(self._look.led, now - self._look_since)
            if not lit:
                # Blank the symbol (keep the width) so the line blinks like the LED.
                symbol, _, rest = label.partition(" ")
                label = " " * len(symbol) + " " + rest
        heart = " "
        if self._heartbeat:
            beat, next_beat = _phase_on(heartbeat_rhythm(self._config), now - self._beat_since)
            heart = HEART if beat else "·"
            until = min(until, next_beat)
        if self._colour:
            code = COLOURS.get(self._look.name)
            if code:
                label = f"\x1b[{code}m{label}\x1b[0m"
        return f"{heart} {label}", until

    def _draw(self, *, final: bool = False, force: bool = False) -> None:
        line, _ = self._status_line()
        if final:
            # (a coloured line ends with its colour reset already)
            cursor = SHOW_CURSOR if self._hidden else ""
            self._hidden = False
            self._write(f"{CLEAR_LINE}{line}\n{cursor}")
        elif force or line != self._last_line:
            cursor = HIDE_CURSOR if self._cursor and not self._hidden else ""
            self._hidden = self._hidden or self._cursor
            self._write(f"{cursor}{CLEAR_LINE}{line}")
        self._last_line = line

    def _animate(self) -> None:
        """Redraw the status line exactly when the blink or the heart changes."""
        while True:
            with self._lock:
                if self._closed:
                    return
                self._draw()
                _, until = self._status_line()
            self._wake.wait(None if until == float("inf") else max(until, 0.01))
            self._wake.clear()

    def _write(self, text: str) -> None:
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):
            # A closed terminal must not take the monitor down; the LED is not
            # the record, the register is.
            pass


class NullIndicator:
    """Shows nothing; remembers what it was asked so ``state()`` reports it."""

    kind = "none"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pattern = Pattern.OFF
        self._silenced = False
        self._heartbeat = False
        self._closed = False

    def show(self, pattern: Pattern, *, silenced: bool = False) -> None:
        """Remember ``pattern`` and ``silenced``."""
        with self._lock:
            self._pattern = Pattern(pattern)
            self._silenced = silenced and self._pattern is Pattern.ALARM

    def start_heartbeat(self) -> None:
        with self._lock:
            self._heartbeat = True

    def stop_heartbeat(self) -> None:
        with self._lock:
            self._heartbeat = False

    def state(self) -> dict[str, Any]:
        """Return what was last asked: pattern, silenced, heartbeat."""
        with self._lock:
            return {
                "kind": self.kind,
                "pattern": self._pattern,
                "silenced": self._silenced,
                "heartbeat": self._heartbeat,
                "closed": self._closed,
            }

    def close(self, *, keep_led: bool = True) -> None:
        with self._lock:
            self._closed = True
            self._heartbeat = False
