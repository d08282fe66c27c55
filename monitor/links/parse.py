"""pyroute2 link messages ─► ``LinkObserved``: the thin adapter at the netlink edge.

Pure. Captured real messages (``tests/fixtures/netlink_links.json``) test it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from monitor.domain.model import LinkObserved

# <linux/if.h>, <linux/rtnetlink.h>
IFF_UP = 0x1
IFF_LOWER_UP = 0x10000
RTM_NEWLINK = 16
RTM_DELLINK = 17
AF_UNSPEC = 0  # link messages proper; AF_BRIDGE (7) ones describe bridge-port membership

# The kernel counts an interface as passing traffic (IFF_RUNNING, netif_oper_up) when
# its operstate is "up" or "unknown": "unknown" is what drivers that do not manage
# operstate report (Documentation/networking/operstates.rst: "must be considered
# for user data"). psutil's isup is that same IFF_RUNNING, so both watchers agree.
ONLINE_OPERSTATES = frozenset({"up", "unknown"})


def is_online(*, carrier: bool | None, operstate: str, admin_up: bool) -> bool:
    """Return True when an interface can pass traffic: admin up, carrier, operstate up/unknown."""
    return bool(admin_up and carrier and operstate in ONLINE_OPERSTATES)


def observe_message(msg: Any, at: datetime) -> LinkObserved | None:
    """Return the observation in one pyroute2 ``ifinfmsg``, or None if it is not about a link.

    RTM_DELLINK gives ``present=False``. Messages of another family (AF_BRIDGE port
    notices, whose RTM_DELLINK only means "left the bridge") and other message types
    give None. Carrier comes from IFLA_CARRIER, else the IFF_LOWER_UP flag; the
    ``state`` field pyroute2 adds is the admin flag and is not used.
    """
    kind = msg["header"]["type"]
    if kind not in (RTM_NEWLINK, RTM_DELLINK) or msg["family"] != AF_UNSPEC:
        return None
    name = msg.get("IFLA_IFNAME")
    if not name:
        return None
    flags = msg["flags"]
    carrier_attr = msg.get("IFLA_CARRIER")
    carrier = bool(carrier_attr) if carrier_attr is not None else bool(flags & IFF_LOWER_UP)
    operstate = str(msg.get("IFLA_OPERSTATE") or "unknown").lower()
    admin_up = bool(flags & IFF_UP)
    if kind == RTM_DELLINK:
        return LinkObserved(
            name, msg["index"], False, carrier, operstate, admin_up, at, present=False
        )
    online = is_online(carrier=carrier, operstate=operstate, admin_up=admin_up)
    return LinkObserved(name, msg["index"], online, carrier, operstate, admin_up, at)


def vanished(known: LinkObserved, at: datetime) -> LinkObserved:
    """Return the report for a watched interface that is gone: offline, ``present=False``."""
    return replace(
        known,
        online=False,
        carrier=False,
        operstate="notpresent",
        admin_up=False,
        at=at,
        present=False,
    )
