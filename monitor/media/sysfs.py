"""A block device's attributes from sysfs ─► ``Medium``. Works without udevd.

From ``/sys/dev/block/MAJ:MIN`` (a link to the disk's directory under
``/sys/devices``) the path is walked up: the first ancestor whose ``driver`` is a USB
mass-storage interface driver (``usb-storage``, ``uas``) is the USB interface, and
its parent the USB device, whose ``manufacturer``, ``product`` and ``serial`` name
the stick (Documentation/ABI/stable/sysfs-bus-usb, sysfs-devices). Without them,
the SCSI device's ``device/vendor`` and ``device/model`` are used. The size is the
disk's ``size`` (512-byte sectors, Documentation/ABI/stable/sysfs-block) times 512;
``removable`` is the disk's own flag. An ancestor on the ``mmc`` bus makes an SD
card (``mmcblk0``) removable too. ``root`` is ``/sys`` (tests pass a fixture tree).
"""

from __future__ import annotations

import os
from pathlib import Path

from monitor.domain.media import USB_STORAGE_DRIVERS, Medium

SECTOR = 512  # the block layer's unit for ``size``, whatever the device's sectors


def _read(path: Path) -> str:
    """Return the attribute's text stripped, or "" when it is missing or unreadable."""
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


def _link_name(path: Path) -> str:
    """Return the last part of the symlink's target (a driver's or bus's name), or ""."""
    try:
        return os.readlink(path).rstrip("/").rsplit("/", 1)[-1]
    except OSError:
        return ""


def disk_dir(root: Path, devname: str, devnum: str) -> Path | None:
    """Return the disk's directory under ``root/devices``, or None when it is gone."""
    links = [root / "dev" / "block" / devnum] if devnum else []
    links += [root / "class" / "block" / devname, root / "block" / devname]
    for link in links:
        try:
            return link.resolve(strict=True)
        except OSError:
            continue
    return None


def _ancestors(disk: Path, root: Path) -> list[Path]:
    """Return the disk's parent directories up to (not including) ``root/devices``."""
    top = (root / "devices").resolve()
    out = []
    for parent in disk.parents:
        if parent == top or top not in parent.parents:
            break
        out.append(parent)
    return out


def read_medium(root: Path, devname: str, devnum: str) -> Medium | None:
    """Return what sysfs under ``root`` tells of disk ``devname`` (``MAJ:MIN``
    ``devnum``), or None when its directory is gone (removed meanwhile)."""
    disk = disk_dir(root, devname, devnum)
    if disk is None:
        return None
    driver, usb_device, mmc = "", None, False
    for parent in _ancestors(disk, root):
        name = _link_name(parent / "driver")
        if not driver and name in USB_STORAGE_DRIVERS:
            driver, usb_device = name, parent.parent
        if _link_name(parent / "subsystem") == "mmc":
            mmc = True
    removable = _read(disk / "removable") == "1" or mmc
    sectors = _read(disk / "size")
    vendor = model = serial = ""
    if usb_device is not None:
        vendor = _read(usb_device / "manufacturer")
        model = _read(usb_device / "product")
        serial = _read(usb_device / "serial")
    vendor = vendor or _read(disk / "device" / "vendor")
    model = model or _read(disk / "device" / "model") or _read(disk / "device" / "name")
    serial = serial or _read(disk / "device" / "serial")
    return Medium(
        device=devname,
        devnum=devnum or _read(disk / "dev"),
        driver=driver,
        removable=removable,
        vendor=vendor,
        model=model,
        serial=serial,
        size_bytes=int(sectors) * SECTOR if sectors.isdigit() else 0,
    )


def present_disks(root: Path) -> list[tuple[str, str]]:
    """Return ``(devname, MAJ:MIN)`` of every whole disk under ``root/block``, sorted."""
    out = []
    try:
        names = sorted(p.name for p in (root / "block").iterdir())
    except OSError:
        return []
    for name in names:
        out.append((name, _read(root / "block" / name / "dev")))
    return out
