"""Link watchers: netlink (pyroute2 AsyncIPRoute) and polling (psutil) ─► LinkObserved.

CONTRACT:

    LinkObserved                      immutable observation of one interface
    build_watcher(link_config, *, netns=None) -> LinkWatcher
    class LinkWatcher(Protocol):
        async def start(self) -> list[LinkObserved]   bind, dump: current state of every
                                                      watched iface
        def changes(self) -> AsyncIterator[LinkObserved]  one item per change of `online` (and
                                                      appear/vanish); reconciles after ENOBUFS
        async def close(self) -> None
        def status(self) -> dict                       JSON-able health (method, resyncs, errors)
    traffic(interfaces) -> dict[str, tuple[int, int]]  bytes (sent, received) per interface
    interface_names() -> list[str]    every interface of this machine (for messages)

Also: ``build_watcher(..., rcvbuf=None)`` (test hook: a small SO_RCVBUF to provoke
ENOBUFS); ``LinkObserved.as_dict()`` (``monitor.domain``).

Modules: ``parse`` (pyroute2 message ─► LinkObserved), ``table`` (LinkTable: what to
report), ``health`` (status counters, reconnect backoff), ``netns`` (a socket in
another namespace), ``netlink`` (NetlinkWatcher), ``poll`` (PollWatcher), ``watcher``
(the LinkWatcher protocol, build_watcher), ``traffic`` (byte counters).

No pyroute2/psutil import at module import time (STYLE 9, 13).

How the watchers agree on what they report
------------------------------------------
Both watchers turn what they read into ``LinkObserved`` for *every* interface and feed
it to one ``LinkTable``: the belief about the watched interfaces, keyed by kernel
index. The table decides what is reported, so netlink and polling behave the same:

- an interface that starts matching (hot-plug, or renamed into a watched name) is
  reported once as it is (``appear``), online or not;
- afterwards only a change of ``online`` is reported: the kernel sends several
  RTM_NEWLINK per transition (carrier first, operstate a moment later) and any
  unrelated change (MTU, address) sends one too;
- a removed interface, or one renamed out of the watched names, is reported once
  offline with ``present=False`` under the name it was known by (``vanish``);
- a rename is followed by index: the old name vanishes, the new name appears;
- ``link.ignore`` always wins (``config.Link.watches``).

After a socket error (ENOBUFS: the receive buffer overflowed and events were
dropped) the netlink watcher opens a new socket, binds, dumps the whole table and
``reconcile``s: every difference between belief and the dump is reported. A
change that happened *and was undone* while events were lost cannot be seen by
anyone; the resync is counted and logged so it is visible in ``status()``.
"""

from __future__ import annotations

from monitor.domain.model import LinkObserved
from monitor.links.names import interface_names
from monitor.links.netlink import NetlinkWatcher
from monitor.links.netns import socket_in_netns
from monitor.links.parse import ONLINE_OPERSTATES, is_online, observe_message, vanished
from monitor.links.poll import PollWatcher
from monitor.links.table import LinkTable
from monitor.links.traffic import traffic
from monitor.links.watcher import LinkWatcher, build_watcher

__all__ = [
    "ONLINE_OPERSTATES",
    "LinkObserved",
    "LinkTable",
    "LinkWatcher",
    "NetlinkWatcher",
    "PollWatcher",
    "build_watcher",
    "interface_names",
    "is_online",
    "observe_message",
    "socket_in_netns",
    "traffic",
    "vanished",
]
