"""The one-line state for systemd's ``STATUS=`` (``systemctl status``): sdnotify's
``format_status`` and the daemon's additions (faults, stopping)."""

from __future__ import annotations

JA = {
    "online": "接続中",
    "online_for": "接続中 {elapsed}",
    "offline": "未接続",
    "period.clinic": "診療時間",
    "period.maintenance": "保守時間",
    "period.off-hours": "時間外",
    "pattern.off": "消灯",
    "pattern.on": "点灯",
    "pattern.warn": "注意",
    "pattern.alarm": "警報",
    "acknowledged": "{pattern}（確認済み）",
    "line": "{head}, {period}: {pattern}",
    "queued": ", 未送信の通知 {count}件",
    "faults": ", 異常: {parts}",
    "stopping": "停止中",
}

EN = {
    "online": "online",
    "online_for": "online {elapsed}",
    "offline": "offline",
    "period.clinic": "clinic hours",
    "period.maintenance": "maintenance window",
    "period.off-hours": "off-hours",
    "pattern.off": "off",
    "pattern.on": "on",
    "pattern.warn": "WARN",
    "pattern.alarm": "ALARM",
    "acknowledged": "{pattern} (acknowledged)",
    "line": "{head}, {period}: {pattern}",
    "queued": ", {count} alert(s) queued",
    "faults": ", fault: {parts}",
    "stopping": "stopping",
}
