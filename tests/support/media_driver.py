"""Media for engine and daemon tests: a registered backup stick, an unregistered
stick, and the engine driver's config with a ``[media]`` section."""

from __future__ import annotations

from datetime import datetime

from monitor.compat import UTC
from monitor.config import Config, parse_config_text
from monitor.domain.media import MediaAction, MediaObserved, Medium, RegisteredMedium
from tests.support.engine_driver import BASE_TOML

BACKUP = Medium(
    "sdb", "8:16", "usb-storage", True, "SanDisk", "Cruzer Blade", "4C5300012301", 32 << 30
)
STRANGER = Medium(
    "sdc", "8:32", "uas", False, "Samsung", "Flash Drive FIT", "0374220110006421", 128 << 30
)
INTERNAL = Medium("nvme0n1", "259:0", "", False, "", "Samsung SSD 970", "", 1 << 40)
BACKUP_ENTRY = RegisteredMedium(
    serial=BACKUP.serial,
    label="バックアップ1",
    holder="医療事務士 佐藤",
    purpose="日次バックアップ",
    registered_at=datetime(2026, 4, 1, tzinfo=UTC),
    registered_by="kenko",
    id=1,
)
MEDIA = {
    "backup": (BACKUP, BACKUP_ENTRY),
    "stranger": (STRANGER, None),
    "internal": (INTERNAL, None),
}


def media_config(media: str = "", settle: str = "2s") -> Config:
    """Return the engine driver's test week (clinic Sundays 17:00-22:00) with ``media``
    as the body of its ``[media]`` section."""
    text = BASE_TOML.format(
        require_permit="false",
        permit_extends="false",
        settle=settle,
        max_session="2h",
        remind_every="30m",
    )
    text = text.replace('interfaces = ["eth*", "usb*"]', 'interfaces = ["eth*", "usb*", "wl*"]')
    return parse_config_text(text + "[media]\n" + media, "<test>")


def observed(name: str, action: MediaAction, t: datetime) -> MediaObserved:
    medium, entry = MEDIA[name]
    return MediaObserved(action, medium, t.astimezone(UTC), entry)
