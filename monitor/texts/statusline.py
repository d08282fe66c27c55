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
    "pattern.blind": "監視対象なし",
    "blind": ", 監視対象の接続口がありません（{patterns}）: システム担当者へ連絡",
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
    "pattern.blind": "BLIND",
    "blind": ", no watched interface ({patterns}): call IT",
    "acknowledged": "{pattern} (acknowledged)",
    "line": "{head}, {period}: {pattern}",
    "queued": ", {count} alert(s) queued",
    "faults": ", fault: {parts}",
    "stopping": "stopping",
}
