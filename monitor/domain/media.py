"""Removable media: what the media watcher sees, what the register knows of a stick.

A *medium* is a block device of type ``disk`` (never a partition) that counts for
the rules when it is USB mass storage (driver ``usb-storage`` or ``uas``) or the
kernel marks it removable, and holds something (size > 0). Its identity is its serial number (the USB device's
``serial``), or ``dev:<name>`` when it has none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from monitor.compat import StrEnum


class MediaAction(StrEnum):
    """What happened to a medium (stored in ``media_events.action``)."""

    INSERTED = "inserted"  # the kernel's ACTION=add
    REMOVED = "removed"  # ACTION=remove
    PRESENT = "present"  # found in /sys/block when the watcher started


class RetireReason(StrEnum):
    """Why a registered medium is no longer in use (``media.retire_reason``)."""

    LOST = "lost"
    BROKEN = "broken"
    DISPOSED = "disposed"


#: The USB interface drivers of mass storage (Bulk-Only Transport; USB Attached SCSI).
USB_STORAGE_DRIVERS = ("usb-storage", "uas")


@dataclass(frozen=True)
class Medium:
    """One block device of type disk, as the kernel and sysfs describe it."""

    device: str  # kernel name: "sdb", "mmcblk0", "loop3"
    devnum: str  # "MAJOR:MINOR"
    driver: str  # "usb-storage", "uas", or "" when not on USB mass storage
    removable: bool  # /sys/block/<dev>/removable
    vendor: str = ""
    model: str = ""
    serial: str = ""
    size_bytes: int = 0  # /sys/block/<dev>/size * 512

    @property
    def usb(self) -> bool:
        """Return True when the disk hangs off a USB mass-storage interface."""
        return self.driver in USB_STORAGE_DRIVERS

    @property
    def counts(self) -> bool:
        """Return True when the media rules apply: USB mass storage or removable, with
        a medium in it (a card reader's empty slot has size 0)."""
        return (self.usb or self.removable) and self.size_bytes > 0

    @property
    def ident(self) -> str:
        """Return the medium's identity: its serial, or ``dev:<device>`` without one."""
        return self.serial or f"dev:{self.device}"

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict with every field, plus ``usb``."""
        return {
            "device": self.device,
            "devnum": self.devnum,
            "usb": self.usb,
            "driver": self.driver,
            "removable": self.removable,
            "vendor": self.vendor,
            "model": self.model,
            "serial": self.serial,
            "size_bytes": self.size_bytes,
        }


@dataclass(frozen=True)
class RegisteredMedium:
    """A medium in the register's ledger (``link-monitor media add``)."""

    serial: str
    label: str  # e.g. バックアップ1
    holder: str
    purpose: str
    registered_at: datetime  # aware, UTC
    registered_by: str  # OS user
    vendor: str = ""
    model: str = ""
    size_bytes: int = 0
    retired_at: datetime | None = None
    retire_reason: RetireReason | None = None
    erasure: str = ""  # disposed: how the data was erased
    retired_by: str = ""
    id: int | None = None  # assigned by the register

    @property
    def active(self) -> bool:
        return self.retired_at is None


@dataclass(frozen=True)
class MediaObserved:
    """An engine input: a medium inserted, removed, or present at the watcher's start.

    ``registered`` is the ledger's entry for the medium's serial (looked up by the
    daemon when the observation arrives; None when unregistered or retired)."""

    action: MediaAction
    medium: Medium
    at: datetime  # aware, UTC: when the monitor received it
    registered: RegisteredMedium | None = None

    @property
    def label(self) -> str:
        return self.registered.label if self.registered is not None else ""

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict: ``at``, ``action``, ``label`` and the medium's fields."""
        return {
            "at": self.at.isoformat(timespec="microseconds"),
            "action": str(self.action),
            "label": self.label or None,
            **self.medium.as_dict(),
        }


@dataclass(frozen=True)
class MediumPresent:
    """A medium the engine knows to be plugged in now."""

    observed: MediaObserved  # the insertion (or the start's ``present``)
    since: datetime
    # The end of the last clinic period the medium was present in (not yet reported).
    clinic_end: datetime | None = None
    left_in_reported: bool = False


@dataclass(frozen=True)
class MediaState:
    """The engine's knowledge of media: those present (by ident) and the
    ``media-online`` alerts already raised (``<session id>/<ident>``)."""

    present: tuple[tuple[str, MediumPresent], ...] = ()
    online_alerted: frozenset[str] = frozenset()

    def by_ident(self) -> dict[str, MediumPresent]:
        return dict(self.present)
