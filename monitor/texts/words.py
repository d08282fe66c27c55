"""The names of link states, periods and indicator patterns, in one place for every
text that names them (``status``, the systemd status line, alerts)."""

from __future__ import annotations

JA: dict[str, str] = {
    "link.online": "接続中",
    "link.offline": "未接続",
    "link.removed": "取り外し",
    "period.clinic": "診療時間",
    "period.maintenance": "保守時間",
    "period.off-hours": "時間外",
    "pattern.off": "消灯",
    "pattern.on": "点灯",
    "pattern.warn": "注意",
    "pattern.alarm": "警報",
}

EN: dict[str, str] = {
    "link.online": "online",
    "link.offline": "offline",
    "link.removed": "removed",
    "period.clinic": "clinic hours",
    "period.maintenance": "maintenance window",
    "period.off-hours": "off-hours",
    "pattern.off": "off",
    "pattern.on": "on",
    "pattern.warn": "WARN",
    "pattern.alarm": "ALARM",
}
