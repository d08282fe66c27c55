"""The status stream: the state in short, sent to the control socket's followers
(``link-monitor status --follow``, the screen lamp) whenever it changes.

A line is pushed after every engine step and checked every ``Timing.stream_every``
seconds while someone follows (faults and the outbox change outside steps). The
server adds the keep-alives; a line is sent only when it differs from the last one.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from typing import Any, Protocol

from monitor.daemon.faults import Faults
from monitor.daemon.runtime import Runtime
from monitor.domain.enums import Pattern

log = logging.getLogger("monitor.daemon")


class Followed(Protocol):
    """The control server's side of the stream (``monitor.control.ControlServer``)."""

    @property
    def followers(self) -> int: ...

    def publish(self, obj: dict[str, Any]) -> None: ...


class StatusStream:
    """Builds the stream's ``state`` lines and publishes the changed ones."""

    def __init__(self, rt: Runtime, faults: Faults):
        self._rt = rt
        self._faults = faults
        self._server: Followed | None = None
        self._last: dict[str, Any] | None = None
        self._followed: asyncio.Event | None = None  # set by a follow request (``first``)
        #: The engine's pattern -> the one the lamp shows (``Sight``: BLIND for OFF).
        self.substitute: Callable[[Pattern], Pattern] = lambda pattern: pattern

    def attach(self, server: object) -> None:
        """Publish through ``server`` if it can stream (a control server that cannot
        is left alone: the daemon runs without a stream)."""
        if hasattr(server, "publish") and hasattr(server, "followers"):
            self._server = server  # type: ignore[assignment]

    def state(self) -> dict[str, Any]:
        """Return the state in short: pattern, whether the alarm can be silenced, link,
        failing parts, session, outbox backlog, language. Never raise."""
        rt = self._rt
        st = rt.state
        alarm = st.pattern is Pattern.ALARM
        silenced = bool(st.silenced and alarm)
        s = st.session
        outbox: dict[str, Any]
        try:
            summary = rt.register.outbox_summary()
            outbox = {
                "pending": int(summary.get("pending") or 0),
                "failed": int(summary.get("failed") or 0),
            }
        except Exception as exc:  # noqa: BLE001 - the stream shows the error instead
            outbox = {"error": f"{type(exc).__name__}: {exc}"}
        return {
            "kind": "state",
            "pattern": str(self.substitute(st.pattern)),
            "silenced": silenced,
            "can_ack": alarm and not silenced,
            "online": bool(st.online),
            "faults": self._faults.failing(),
            "session": None if s is None else {"id": s.id, "started_at": s.started_at.isoformat()},
            "outbox": outbox,
            "language": rt.config.alerts.language,
            "pid": os.getpid(),
        }

    def first(self) -> dict[str, Any]:
        """Return the reply to a follow request: the state, and ``follow: true``."""
        if self._followed is not None:
            self._followed.set()  # ``run`` checks for changes again
        return {**self.state(), "follow": True}

    def push(self) -> None:
        """Publish the state if someone follows and it changed since the last line."""
        server = self._server
        if server is None or not server.followers:
            self._last = None  # a new follower gets the state in its reply anyway
            return
        line = self.state()
        if line != self._last:
            self._last = line
            server.publish(line)

    async def run(self) -> None:
        """Check for changes outside the engine's steps while someone follows. While
        nobody does, wait for a follow request without a timer: an idle daemon must
        not wake every ``stream_every`` for nothing (60 wake-ups a minute)."""
        self._followed = asyncio.Event()
        while True:
            if self._server is None or not self._server.followers:
                self._followed.clear()
                await self._followed.wait()
            await asyncio.sleep(self._rt.timing.stream_every)
            try:
                self.push()
            except Exception:
                log.exception("status stream: cannot publish")
