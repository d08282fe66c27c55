"""The one-line state for systemd's ``STATUS=`` (``systemctl status``): sdnotify's
``format_status`` and the daemon's additions (faults, stopping). The names of link
states, periods and patterns come from the ``words`` area."""

from __future__ import annotations

JA = {
    "online_for": "接続中 {elapsed}",
    "blind": ", 監視対象の接続口がありません（{patterns}）: システム担当者へ連絡",
    "acknowledged": "{pattern}（確認済み）",
    "line": "{head}, {period}: {pattern}",
    "queued": ", 未送信の通知 {count}件",
    "faults": ", 異常: {parts}",
    "stopping": "停止中",
}

EN = {
    "online_for": "online {elapsed}",
    "blind": ", no watched interface ({patterns}): call IT",
    "acknowledged": "{pattern} (acknowledged)",
    "line": "{head}, {period}: {pattern}",
    "queued": ", {count} alert(s) queued",
    "faults": ", fault: {parts}",
    "stopping": "stopping",
}
