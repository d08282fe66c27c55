"""Link watchers: netlink (pyroute2 AsyncIPRoute) and polling (psutil) ─► LinkObserved.

CONTRACT (implemented in the links issue):

    LinkObserved                      immutable observation of one interface
    build_watcher(link_config, *, netns=None) -> LinkWatcher
    class LinkWatcher(Protocol):
        async def start(self) -> list[LinkObserved]   bind, dump: current state of every watched iface
        def changes(self) -> AsyncIterator[LinkObserved]  one item per change of `online` (and
                                                      appear/vanish); reconciles after ENOBUFS
        async def close(self) -> None
        def status(self) -> dict                       JSON-able health (method, resyncs, errors)
    traffic(interfaces) -> dict[str, tuple[int, int]]  bytes (sent, received) per interface

No pyroute2/psutil import at module import time (STYLE 9, 13).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class LinkObserved:
    """What the kernel says about one watched interface at one instant.

    ``online`` = carrier present and operstate up (never the admin flag alone).
    ``present`` is False once the interface has been removed (then online is False).
    """

    interface: str
    index: int
    online: bool
    carrier: bool | None
    operstate: str  # "up", "down", "lowerlayerdown", "dormant", "unknown", ...
    admin_up: bool
    at: datetime  # aware, UTC: when the monitor received it
    present: bool = True
