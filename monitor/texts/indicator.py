"""Texts of the indicator: the console's labels of each look, and its plain lines.

The console shows both languages side by side ("● 接続中 ONLINE"): the symbol and
the Japanese label, then the English one. The symbols are not words and stay in
``monitor.indicator.looks``.
"""

from __future__ import annotations

JA: dict[str, str] = {
    "look.off": "未接続",
    "look.on": "接続中",
    "look.warn": "接続中・要確認",
    "look.alarm": "診療時間中の接続",
    "look.lost": "監視停止 (PCから信号なし)",
    "look.blind": "監視対象なし (システム担当者へ連絡)",
    "silenced": "ブザー停止",
    "heartbeat": "監視中",
    "console.line": "インジケーター: {message}",
    "console.heartbeat_started": "{label}: ハートビート開始",
    "console.heartbeat_stopped": "ハートビート停止",
}

EN: dict[str, str] = {
    "look.off": "OFFLINE",
    "look.on": "ONLINE",
    "look.warn": "WARN",
    "look.alarm": "ALARM",
    "look.lost": "LOST: no signal from the PC monitor",
    "look.blind": "BLIND: no watched interface (call IT)",
    "silenced": "silenced",
    "heartbeat": "monitoring",
    "console.line": "indicator: {message}",
    "console.heartbeat_started": "{label}: heartbeat started",
    "console.heartbeat_stopped": "heartbeat stopped",
}
