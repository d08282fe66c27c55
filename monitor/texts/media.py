"""Removable media: the alerts' fields and advice, the ledger's commands, the log.

The titles, leads and kind names of media alerts are in the ``alerts`` area (every
``AlertKind`` has them there); this area holds the rest.
"""

from __future__ import annotations

JA: dict[str, str] = {
    "lead.media-online.wireless": "USBメモリ等の媒体が挿さったまま、無線LANが接続されています。"
    "無線LANを使うときは、必ず媒体を抜いてから行ってください。",
    "f.medium": "媒体",
    "f.label": "登録名",
    "f.holder": "管理者",
    "f.purpose": "用途",
    "f.serial": "シリアル番号",
    "f.device": "デバイス",
    "f.size": "容量",
    "f.inserted": "挿入時刻",
    "f.interfaces": "接続",
    "unregistered": "（未登録）",
    "retired": "（登録抹消済み: {reason}）",
    "no_serial": "（なし）",
    "wireless": "{name}（無線LAN）",
    "todo.pull_out": "・すぐに媒体を抜くか、ネットワーク接続（LANケーブル・無線LAN）を切ってください。",
    "todo.register": "・業務で使う媒体であれば、台帳に登録してください:\n"
    "    link-monitor media add --label 名前 --holder 管理者 --purpose 用途",
    "todo.check_owner": "・誰が何のために挿したかを確認してください。",
    "todo.safe": "・バックアップ用の媒体は、抜いて所定の場所（金庫）に保管してください。",
    "todo.ack_lamp": "・媒体を抜くとランプは通常の表示に戻ります。",
    # actions in the register
    "action.inserted": "挿入",
    "action.removed": "取り外し",
    "action.present": "起動時に挿入済み",
    # retire reasons
    "reason.lost": "紛失",
    "reason.broken": "故障",
    "reason.disposed": "廃棄",
    # the ledger
    "list.title": "登録媒体の台帳",
    "list.header": "登録名\tシリアル番号\t管理者\t用途\t登録日時\t状態",
    "list.active": "使用中",
    "list.retired": "抹消 {at}（{reason}）",
    "list.empty": "登録された媒体はありません。",
    "add.done": "媒体「{label}」（シリアル番号 {serial}）を台帳に登録しました。",
    "retire.done": "媒体「{label}」（シリアル番号 {serial}）を登録抹消しました（{reason}）。"
    "記録は台帳に残ります。",
    "err.none_present": "USBメモリ等が挿されていません。登録する媒体を挿すか、--serial で"
    "シリアル番号を指定してください。",
    "err.several_present": "媒体が {n} 個挿されています（{serials}）。--serial で指定してください。",
    "err.no_serial": "この媒体にはシリアル番号がないため登録できません（{device}）。",
    "err.already": "シリアル番号 {serial} はすでに「{label}」として登録されています。",
    "err.unknown": "シリアル番号 {serial} の登録媒体はありません。",
    "err.erasure": "廃棄（disposed）のときは、データを消去した方法を --erasure で書いてください。",
    "err.empty": "{what} が空です。",
    # the log and the printout
    "log.title": "媒体の記録",
    "log.header": "時刻\t動作\tデバイス\tシリアル番号\t登録名\t機器",
    "log.empty": "媒体の記録はありません。",
    "status.label": "媒体",
}

EN: dict[str, str] = {
    "lead.media-online.wireless": "A USB stick or other medium is plugged in while the "
    "wireless LAN is connected. Always pull the medium out before using the wireless LAN.",
    "f.medium": "Medium",
    "f.label": "Registered as",
    "f.holder": "Holder",
    "f.purpose": "Purpose",
    "f.serial": "Serial number",
    "f.device": "Device",
    "f.size": "Size",
    "f.inserted": "Inserted",
    "f.interfaces": "Connection",
    "unregistered": "(unregistered)",
    "retired": "(retired: {reason})",
    "no_serial": "(none)",
    "wireless": "{name} (wireless LAN)",
    "todo.pull_out": "- Pull the medium out now, or disconnect the network (LAN cable, "
    "wireless LAN).",
    "todo.register": "- If the medium is used for work, register it in the ledger:\n"
    "    link-monitor media add --label NAME --holder HOLDER --purpose PURPOSE",
    "todo.check_owner": "- Find out who plugged it in and why.",
    "todo.safe": "- Pull the backup medium out and keep it in its place (the safe).",
    "todo.ack_lamp": "- The lamp returns to normal once the medium is pulled out.",
    "action.inserted": "inserted",
    "action.removed": "removed",
    "action.present": "present at start",
    "reason.lost": "lost",
    "reason.broken": "broken",
    "reason.disposed": "disposed of",
    "list.title": "Ledger of registered media",
    "list.header": "Label\tSerial\tHolder\tPurpose\tRegistered\tState",
    "list.active": "in use",
    "list.retired": "retired {at} ({reason})",
    "list.empty": "No media are registered.",
    "add.done": 'Registered medium "{label}" (serial {serial}) in the ledger.',
    "retire.done": 'Retired medium "{label}" (serial {serial}) ({reason}). Its record '
    "stays in the register.",
    "err.none_present": "No USB stick or card is plugged in. Plug in the medium to register, "
    "or give its serial number with --serial.",
    "err.several_present": "{n} media are plugged in ({serials}). Choose one with --serial.",
    "err.no_serial": "This medium has no serial number and cannot be registered ({device}).",
    "err.already": 'Serial {serial} is already registered as "{label}".',
    "err.unknown": "No registered medium has serial {serial}.",
    "err.erasure": "For disposed, say how the data was erased with --erasure.",
    "err.empty": "{what} is empty.",
    "log.title": "Media records",
    "log.header": "Time\tAction\tDevice\tSerial\tLabel\tDevice model",
    "log.empty": "No media records.",
    "status.label": "Media",
}
