"""Texts of the screen lamp (``link-monitor lamp``): what the window and its
desktop notification say. The patterns' names come from the ``indicator`` area."""

from __future__ import annotations

JA: dict[str, str] = {
    "title": "link-monitor ランプ",
    "stopped": "監視停止：情報担当へ連絡",
    "stopped_hint": "監視プログラムから応答がありません\n（自動で再接続します）",
    "ack": "確認",
    "hint.off": "外部との接続はありません",
    "hint.on": "許可された接続中です",
    "hint.warn": "確認が必要な接続です。\n情報担当に連絡してください",
    "hint.alarm": "診療時間中の接続です。\n「確認」を押し、ケーブルを抜いてください",
    "hint.silenced": "ブザーは止めました。\nケーブルを抜いてください",
    "faults": "監視の一部に不具合: {parts}",
    "part.indicator": "表示器",
    "part.register": "記録",
    "part.watcher": "接続の見張り",
    "part.engine": "判定",
    "part.outbox": "メール送信",
    "part.integrity": "記録の改ざん検知",
    "part.media": "USBメモリ等の見張り",
    "notify.body": "レセプトPCのネットワークケーブルが診療時間中に接続されました。",
    "ack_failed": "確認できませんでした: {error}",
    "no_tk": "画面のランプには Tk が必要です（python3-tk をインストールしてください）: {error}",
    "no_display": "ウィンドウを開けません（デスクトップの中で起動してください）: {error}",
}

EN: dict[str, str] = {
    "title": "link-monitor lamp",
    "stopped": "Monitor stopped: call IT",
    "stopped_hint": "No answer from the monitor\n(reconnecting by itself)",
    "ack": "Acknowledge",
    "hint.off": "No outside connection",
    "hint.on": "A permitted connection is open",
    "hint.warn": "This connection needs checking: call IT",
    "hint.alarm": "Connected during clinic hours:\npress Acknowledge, then unplug the cable",
    "hint.silenced": "Buzzer silenced: unplug the cable",
    "faults": "Part of the monitor fails: {parts}",
    "part.indicator": "indicator",
    "part.register": "register",
    "part.watcher": "link watcher",
    "part.engine": "decisions",
    "part.outbox": "mail",
    "part.integrity": "register integrity",
    "part.media": "removable media watcher",
    "notify.body": "The receipt PC's network cable was plugged in during clinic hours.",
    "ack_failed": "Could not acknowledge: {error}",
    "no_tk": "The screen lamp needs Tk (install python3-tk): {error}",
    "no_display": "Cannot open a window (start it inside the desktop): {error}",
}
