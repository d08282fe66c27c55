"""The watcher protocol and the choice between netlink and polling."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Protocol

from monitor.domain.model import LinkObserved
from monitor.errors import WatcherError
from monitor.links.netlink import NetlinkWatcher
from monitor.links.poll import PollWatcher

if TYPE_CHECKING:
    from monitor.config import Link


class LinkWatcher(Protocol):
    """What the daemon and ``link-monitor watch`` need from a watcher."""

    method: str

    async def start(self) -> list[LinkObserved]: ...

    def changes(self) -> AsyncIterator[LinkObserved]: ...

    async def close(self) -> None: ...

    def status(self) -> dict[str, Any]: ...


def build_watcher(
    link_config: Link, *, netns: str | None = None, rcvbuf: int | None = None
) -> LinkWatcher:
    """Return the watcher ``link_config.method`` names (not started).

    ``netns`` (netlink only) watches inside that named network namespace; ``rcvbuf``
    (netlink only) is a test hook for a small receive buffer. Raise WatcherError if
    ``netns`` is given with the poll method (psutil sees only its own namespace).
    """
    if link_config.method == "poll":
        if netns is not None:
            raise WatcherError(
                'link.method = "poll" sees only its own network namespace; '
                "run it under `ip netns exec` instead of passing a namespace"
            )
        return PollWatcher(link_config, interval=link_config.poll_interval.total_seconds())
    return NetlinkWatcher(link_config, netns=netns, rcvbuf=rcvbuf)
