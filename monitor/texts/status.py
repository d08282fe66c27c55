"""Texts of ``link-monitor status`` and of the reply to ``link-monitor permit``.

Link states, period and pattern names come from the ``words`` area; ``lamp.*`` says how the lamp
looks around the pattern's ``{name}``.
"""

from __future__ import annotations

JA: dict[str, str] = {
    "label.state": "状態",
    "label.period": "時間帯",
    "label.lamp": "ランプ",
    "label.session": "接続",
    "label.ifaces": "インターフェース",
    "label.outbox": "通知",
    "label.indicator": "表示器",
    "label.monitor": "監視",
    "label.register": "台帳",
    "register.more": "（ほか {n} 件）",
    "lamp.off": "{name}",
    "lamp.on": "{name}",
    "lamp.warn": "点滅（{name}）",
    "lamp.alarm": "速い点滅＋ブザー（{name}）",
    "silenced": "ブザー確認済み",
    "none": "なし",
    "since": "開始",
    "verdicts": "判定",
    "permit": "許可",
    "holiday": " [休日: {name}]",
    "until": "（{time} まで）",
    "outbox.sent": "送信待ちなし",
    "outbox.waiting": "送信待ち {n}件",
    "last_error": "最後のエラー",
    "pid": "プロセス",
    "config": "設定",
    "faults": "異常",
    "permit.ok": "許可 {id} を記録しました: {purpose}, {company}（{staff}）, {expected}"
    "（{until}まで）, 許可した人 {by}",
    "permit.linked": "現在の接続 {session} に結び付けました。",
    "permit.wait": "この時間内に始まる接続に結び付けます。",
}

EN: dict[str, str] = {
    "label.state": "State",
    "label.period": "Period",
    "label.lamp": "Lamp",
    "label.session": "Session",
    "label.ifaces": "Interfaces",
    "label.outbox": "Outbox",
    "label.indicator": "Indicator",
    "label.monitor": "Monitor",
    "label.register": "Register",
    "register.more": " (and {n} more)",
    "lamp.off": "{name}",
    "lamp.on": "{name} (steady)",
    "lamp.warn": "slow blink ({name})",
    "lamp.alarm": "fast blink + buzzer ({name})",
    "silenced": "buzzer acknowledged",
    "none": "none",
    "since": "since",
    "verdicts": "verdicts",
    "permit": "permit",
    "holiday": " [holiday: {name}]",
    "until": " (until {time})",
    "outbox.sent": "nothing waiting",
    "outbox.waiting": "{n} alert(s) waiting",
    "last_error": "last error",
    "pid": "pid",
    "config": "config",
    "faults": "faults",
    "permit.ok": "Permit {id} recorded: {purpose}, {company} ({staff}), {expected} "
    "(until {until}), granted by {by}",
    "permit.linked": "Linked to the current session {session}.",
    "permit.wait": "It will cover a connection that starts within that time.",
}
