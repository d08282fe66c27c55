"""Removable media: the kernel's block-device uevents ─► ``MediaObserved``.

CONTRACT:

    MediaWatcher(*, root=Path("/sys"))
        async start() -> list[MediaObserved]       bind the uevent socket, then every
                                                   disk in /sys/block (``present``)
        present() -> list[MediaObserved]           the disks in sysfs now (no socket)
        changes() -> AsyncIterator[MediaObserved]  each whole disk inserted or removed (a
                                                   card into or out of a reader: change)
        async close(); status() -> dict
    parse_uevent(bytes) -> Uevent                  one kernel datagram (BadUevent)
    read_medium(root, devname, "MAJ:MIN") -> Medium | None    sysfs attributes
    present_media(root=Path("/sys")) -> list[Medium]         what `media add` offers

Modules: ``uevent`` (the datagram), ``sysfs`` (the attributes, USB or not),
``watcher`` (the socket). The engine decides which disks count (``Medium.counts``:
USB mass storage or removable, with a size): this package reports every disk.
"""

from __future__ import annotations

from pathlib import Path

from monitor.domain.media import Medium
from monitor.media.sysfs import present_disks, read_medium
from monitor.media.uevent import BadUevent, Uevent, parse_uevent
from monitor.media.watcher import MediaWatcher


def present_media(root: Path = Path("/sys")) -> list[Medium]:
    """Return every disk present now that counts as a medium (USB or removable)."""
    out = []
    for devname, devnum in present_disks(root):
        medium = read_medium(root, devname, devnum)
        if medium is not None and medium.counts:
            out.append(medium)
    return out


__all__ = [
    "BadUevent",
    "MediaWatcher",
    "Uevent",
    "parse_uevent",
    "present_media",
    "read_medium",
]
