"""A netlink socket inside another network namespace, without forking."""

from __future__ import annotations

import ctypes
import os
import socket
import threading
from typing import Any

CLONE_NEWNET = 0x40000000  # <sched.h>
NETLINK_ROUTE = 0


def socket_in_netns(netns: str) -> int:
    """Return the file descriptor of a NETLINK_ROUTE socket made inside network namespace
    ``netns`` (a name under /var/run/netns, or a path); raise FileNotFoundError if there
    is no such namespace (it is never created), OSError if it cannot be entered.

    Why not pyroute2's ``netns=``: it forks the whole process to make the socket, and
    the child shares asyncio's signal wake-up fd; pyroute2 then stops the child with
    SIGTERM, which the parent's loop reads as its own SIGTERM. A short-lived thread
    enters the namespace instead (setns changes only the calling thread) and the
    socket stays bound to that namespace for its whole life.
    """
    path = netns if "/" in netns else f"/var/run/netns/{netns}"
    made: dict[str, Any] = {}

    def enter_and_make() -> None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            with open(path, "rb") as ns_file:
                if libc.setns(ns_file.fileno(), CLONE_NEWNET) != 0:
                    code = ctypes.get_errno()
                    raise OSError(code, os.strerror(code), path)
            sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_ROUTE)
            made["fd"] = sock.detach()
        except Exception as exc:  # noqa: BLE001 - re-raised in the caller's thread below
            made["error"] = exc

    worker = threading.Thread(target=enter_and_make, name=f"netns {netns}")
    worker.start()
    worker.join()
    if "error" in made:
        raise made["error"]
    return made["fd"]
