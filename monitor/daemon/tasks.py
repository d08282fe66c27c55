"""The daemon's background tasks: started by name, their failures logged, cancelled
for sure at the end."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger("monitor.daemon")


class Tasks:
    """The set of running background tasks (a task that fails is logged, never lost)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("task %s ended: %s", task.get_name(), exc, exc_info=exc)

    async def cancel_all(self) -> None:
        for task in list(self._tasks):
            await cancel(task)


async def cancel(task: asyncio.Task[Any], limit: float = 5.0) -> None:
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
