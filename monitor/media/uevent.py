"""Kernel uevent messages ─► ``Uevent``: the thin adapter at the uevent netlink edge.

Pure. A kernel uevent (netlink family NETLINK_KOBJECT_UEVENT, multicast group 1) is
one datagram: ``ACTION@DEVPATH`` then ``KEY=VALUE`` pairs, each ended by a NUL byte
(lib/kobject_uevent.c). Messages udevd re-broadcasts (group 2) start with
``libudev`` and a binary header; the watcher binds group 1 only, and such a message
is refused here too. Captured real messages and ones built from the kernel's
documentation test it (``tests/fixtures/uevents.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: <linux/netlink.h>
NETLINK_KOBJECT_UEVENT = 15
#: The kernel's own multicast group (udevd's re-broadcast is group 2).
KERNEL_GROUP = 1


@dataclass(frozen=True)
class Uevent:
    """One kernel uevent: its action, device path and environment."""

    action: str
    devpath: str
    env: dict[str, str] = field(default_factory=dict)

    @property
    def subsystem(self) -> str:
        return self.env.get("SUBSYSTEM", "")

    @property
    def devtype(self) -> str:
        return self.env.get("DEVTYPE", "")

    @property
    def devname(self) -> str:
        """Return the kernel name (``sdb``): DEVNAME without ``/dev/``, else the path's tail."""
        name = self.env.get("DEVNAME") or self.devpath.rsplit("/", 1)[-1]
        return name.removeprefix("/dev/")

    @property
    def devnum(self) -> str:
        """Return ``MAJOR:MINOR``, or "" when the message has none."""
        major, minor = self.env.get("MAJOR"), self.env.get("MINOR")
        return f"{major}:{minor}" if major is not None and minor is not None else ""

    @property
    def is_disk(self) -> bool:
        """Return True for a whole block device (not a partition) added or removed."""
        return (
            self.action in ("add", "remove")
            and self.subsystem == "block"
            and self.devtype == "disk"
        )

    @property
    def is_disk_change(self) -> bool:
        """Return True for a whole disk's ``change``: a card put into or taken out of a
        reader (``DISK_MEDIA_CHANGE=1``, sent when the kernel polls the reader), a loop
        device attached or detached, a resize."""
        return self.action == "change" and self.subsystem == "block" and self.devtype == "disk"


class BadUevent(ValueError):
    """A datagram that is not a kernel uevent (the reason says what is wrong)."""


def parse_uevent(data: bytes) -> Uevent:
    """Return the uevent in one datagram; raise BadUevent naming what is wrong.

    Undecodable bytes are replaced (a vendor string in a later attribute must not
    lose the event); the header's action and path win over a contradicting ACTION."""
    if data.startswith(b"libudev\0"):
        raise BadUevent("a udevd message (libudev header), not a kernel uevent")
    parts = data.decode("utf-8", "replace").split("\0")
    head = parts[0]
    action, at, devpath = head.partition("@")
    if not at or not action or not devpath.startswith("/"):
        raise BadUevent(f"no ACTION@DEVPATH header: {head[:80]!r}")
    env: dict[str, str] = {}
    for part in parts[1:]:
        if not part:
            continue
        key, eq, value = part.partition("=")
        if not eq:
            raise BadUevent(f"not a KEY=VALUE pair: {part[:80]!r} (in {head[:80]!r})")
        env[key] = value
    return Uevent(action, devpath, env)
