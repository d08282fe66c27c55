"""The daemon's timers: the engine's next wake-up, the heartbeat and the heap trim.

Between inputs the loop sleeps until the next input or the engine's ``wake_at``.
The only periodic work is the heartbeat: the systemd watchdog ping (every
``WatchdogSec/2``) and the register's ``last_seen`` while a session is open, its
alive mark while none is. Without a watchdog, an idle daemon's heartbeat comes only
every ``alive_every``: the event-loop thread then sleeps for minutes.
"""

from __future__ import annotations

import asyncio
import functools
import gc
from collections.abc import Callable
from datetime import datetime

from monitor.daemon.runtime import Runtime


@functools.cache
def malloc_trim() -> Callable[[int], int] | None:
    """Return glibc's ``malloc_trim``, or None (another C library).

    Why: a burst of netlink messages (a flapping cable, a resync) allocates and
    frees many small buffers; glibc keeps the freed heap, so the idle daemon's RSS
    stayed higher after each burst. Measured once quiet after each of four storms
    of 1,000 toggles (26 sessions each): 51.6, 57.6, 61.6, 61.1, 62.8 MiB without
    a trim; 51.3, 54.9, 56.2, 56.5, 56.7 MiB with this one (Python's own objects
    did not grow: tracemalloc)."""
    import ctypes  # here: only a daemon that closed a session pays for it
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim  # type: ignore[no-any-return]


@functools.cache  # once per process (tests run many daemons in one)
def freeze_startup() -> None:
    """Collect once, then move every object alive after start-up out of the collector's
    sight (``gc.freeze``): config, schedule, imported modules are never garbage.

    Why: the ~53 k objects of start-up (pyroute2, gpiozero, pydantic) made each full
    collection 27-41 ms, and one landed on a plug (43.8 ms against a p50 of 1.7 ms).
    Called just before READY, so the one collection here (about as long) is part of
    start-up; later full collections only walk what was made since. Frozen objects
    are still freed when no longer referenced; only a cycle among them is kept."""
    gc.collect()
    gc.freeze()


class Timers:
    """``wake()`` is called at the engine's wake-up instant, ``beat()`` every heartbeat."""

    def __init__(self, rt: Runtime, wake: Callable[[], None], beat: Callable[[], None]):
        self._rt = rt
        self._wake = wake
        self._beat = beat
        self._wake_handle: asyncio.TimerHandle | None = None
        self._beat_handle: asyncio.TimerHandle | None = None
        self._trim_handle: asyncio.TimerHandle | None = None
        self._session_open = False

    def wake_at(self, at: datetime | None, now: datetime) -> None:
        """After a step: call ``wake`` at ``at`` (None: not at all), at most ``max_sleep``
        from now (the heartbeat catches a wall clock that jumped meanwhile); follow a
        session opened or closed (``follow_session``)."""
        self.follow_session()
        if self._wake_handle is not None:
            self._wake_handle.cancel()
            self._wake_handle = None
        self._rt.wake_at = at
        loop = self._rt.loop
        if at is None or loop is None:
            return
        delay = min(max(0.0, (at - now).total_seconds()), self._rt.timing.max_sleep)
        self._wake_handle = loop.call_later(delay, self._on_wake)

    def _on_wake(self) -> None:
        self._wake_handle = None
        self._wake()

    def overdue(self, now: datetime) -> bool:
        """Return True when the wake-up instant has passed with no timer waiting for it."""
        at = self._rt.wake_at
        return at is not None and now >= at and self._wake_handle is None

    def heartbeat_interval(self) -> float:
        rt = self._rt
        iv = rt.parts.notifier.watchdog_interval()
        if iv:
            return iv.total_seconds()
        return rt.timing.heartbeat if rt.state.session is not None else rt.timing.alive_every

    def start_heartbeat(self) -> None:
        loop = self._rt.loop
        if loop is not None:
            self._beat_handle = loop.call_later(self.heartbeat_interval(), self._on_beat)

    def follow_session(self) -> None:
        """After a step: if a session opened or closed, the heartbeat's interval may
        change with it (without a watchdog); a beat due later than the new interval is
        brought forward."""
        open_now = self._rt.state.session is not None
        if open_now == self._session_open:
            return
        self._session_open = open_now
        loop, handle = self._rt.loop, self._beat_handle
        if loop is None or handle is None:
            return
        if handle.when() - loop.time() > self.heartbeat_interval():
            handle.cancel()
            self.start_heartbeat()

    def _on_beat(self) -> None:
        self._beat()
        self.start_heartbeat()

    def trim_later(self) -> None:
        """Give freed heap back to the system once things are quiet again (``trim_after``
        after a session closed; one call however many sessions close meanwhile)."""
        loop = self._rt.loop
        if loop is not None and self._trim_handle is None:
            self._trim_handle = loop.call_later(self._rt.timing.trim_after, self._trim)

    def _trim(self) -> None:
        self._trim_handle = None
        trim = malloc_trim()
        if trim is not None:
            trim(0)

    def cancel(self) -> None:
        for handle in (self._wake_handle, self._beat_handle, self._trim_handle):
            if handle is not None:
                handle.cancel()
        self._wake_handle = self._beat_handle = self._trim_handle = None
