"""A fake removable-media source for the daemon: what the kernel would report, fed
from the test (thread-safe), through the daemon's one seam ``Parts.media``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from monitor.compat import UTC
from monitor.domain.media import MediaAction, MediaObserved, Medium


class FakeMedia:
    """``build`` is the ``Parts.media`` factory; ``insert``/``remove`` report a medium
    from any thread; ``present`` is what a new watcher finds at its start."""

    def __init__(self) -> None:
        self.present: dict[str, Medium] = {}
        self.queue: asyncio.Queue[MediaObserved | Exception] | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.built = 0

    def build(self, config: Any) -> FakeMediaWatcher:
        self.built += 1
        self.loop = asyncio.get_running_loop()
        self.queue = asyncio.Queue()
        return FakeMediaWatcher(self, self.queue)

    def _put(self, action: MediaAction, medium: Medium) -> None:
        assert self.queue is not None and self.loop is not None, "no media watcher runs yet"
        obs = MediaObserved(action, medium, datetime.now(UTC))
        self.loop.call_soon_threadsafe(self.queue.put_nowait, obs)

    def insert(self, medium: Medium) -> None:
        self.present[medium.device] = medium
        self._put(MediaAction.INSERTED, medium)

    def remove(self, medium: Medium) -> None:
        self.present.pop(medium.device, None)
        self._put(MediaAction.REMOVED, medium)


class FakeMediaWatcher:
    def __init__(self, source: FakeMedia, queue: asyncio.Queue[MediaObserved | Exception]):
        self._source = source
        self._queue = queue
        self.closed = False

    async def start(self) -> list[MediaObserved]:
        now = datetime.now(UTC)
        return [MediaObserved(MediaAction.PRESENT, m, now) for m in self._source.present.values()]

    async def changes(self) -> AsyncIterator[MediaObserved]:
        while True:
            item = await self._queue.get()
            if isinstance(item, Exception):
                raise item  # the watcher's stream fails here
            yield item

    async def close(self) -> None:
        self.closed = True

    def status(self) -> dict[str, Any]:
        return {"method": "test", "closed": self.closed}
