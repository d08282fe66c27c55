"""Alert texts (subjects, bodies) and the labels of alert-related values, ja and en.

Titles follow "[<kind>] <text>" so that mail rules can route on the bracketed
identifier, which is never translated (``monitor.alerts.render`` adds it). The
labels of verdicts, purposes, end reasons, periods and alert kinds are also what
the register's CSV and log show (``t(lang, "alerts.verdict.<v>")``).
"""

from __future__ import annotations

JA: dict[str, str] = {
    # titles
    "title.clinic-hours": "診療時間中にネットワーク接続を検知",
    "title.outside-window": "許可時間外のネットワーク接続",
    "title.no-permit": "許可の登録がないネットワーク接続",
    "title.overdue": "ネットワーク接続が上限時間を超過",
    "title.resolved": "ネットワーク接続が終了しました",
    "title.monitor": "監視プログラムからのお知らせ",
    "title.test": "テスト送信",
    "title.monitor.started": "監視を開始しました",
    "title.monitor.started-after-crash": "監視を再開しました（前回は異常終了）",
    "title.monitor.stopped": "監視を停止しました",
    "title.monitor.reloaded": "設定を読み込み直しました",
    "title.monitor.indicator-fault": "表示ランプ・ブザーの故障",
    "title.monitor.watcher-fault": "接続の監視ができていません",
    "title.monitor.register-fault": "台帳に書き込めません",
    "title.monitor.delivery-fault": "警告メールを送れていません",
    "title.monitor.no-interface": "監視するネットワーク接続口がありません",
    "title.monitor.interface-back": "ネットワーク接続口の監視を再開しました",
    "reminder": "（リマインダー {n}）",
    # first line of the body
    "lead.clinic-hours": "診療時間中に、このパソコンのネットワーク接続（LANケーブル）を検知しました。"
    "診療時間中の接続は禁止されています。",
    "lead.outside-window": "保守作業が許可された時間の外で、ネットワーク接続を検知しました。",
    "lead.no-permit": "許可（作業の届け出）が登録されていないネットワーク接続を検知しました。",
    "lead.overdue": "ネットワーク接続が上限時間を超えて続いています。",
    "lead.resolved": "警告のあったネットワーク接続が終了しました（LANケーブルが外されました）。",
    "lead.resolved.ended-while-monitor-down": "警告のあったネットワーク接続が、監視プログラムの"
    "停止中に終了していました（終了の時刻と理由は不明です）。",
    "lead.resolved.monitor-stopped": "警告のあったネットワーク接続の記録を、監視プログラムの停止で"
    "終えました。",
    "lead.monitor": "link-monitor（ネットワーク接続の監視プログラム）からのお知らせです。",
    "lead.test": "これは link-monitor のテストメールです。このメールが届けば、警告メールの"
    "送信設定は正しく動いています。対応は不要です。",
    # field labels
    "f.machine": "端末",
    "f.severity": "重要度",
    "f.interfaces": "接続",
    "f.started": "接続開始",
    "f.ended": "接続終了",
    "f.elapsed": "経過時間",
    "f.duration": "接続時間",
    "f.period": "時間帯",
    "f.rule": "適用ルール",
    "f.holiday": "休日",
    "f.permit": "許可",
    "f.purpose": "作業目的",
    "f.company": "作業会社",
    "f.staff": "作業者",
    "f.attendant": "立会者",
    "f.limit": "上限時間",
    "f.ack": "ブザーを止めた人",
    "ack": "{at} {by}（{source}）",
    "ack_nobody": "ボタン",
    "ack_source.cli": "コマンド",
    "ack_source.gpio button": "ランプのボタン",
    "ack_source.box button": "表示箱のボタン",
    "ack_source.screen lamp": "画面のランプ",
    "note.nothing": "対応は不要です。",
    "f.expected": "予定時間",
    "f.granted_by": "許可登録者",
    "f.granted_at": "登録時刻",
    "f.note": "備考",
    "f.after_the_fact": "事後登録（緊急）",
    "f.verdicts": "判定",
    "f.alerts": "送信した警告",
    "f.traffic": "通信量",
    "f.ended_how": "終了の理由",
    "f.detail": "内容",
    "f.at": "通知時刻",
    "f.todo": "対応してください",
    "none": "なし",
    "yes": "はい",
    "traffic": "送信 {sent} / 受信 {received}",
    "unknown_interface": "（不明）",
    # severities
    "sev.critical": "緊急",
    "sev.warning": "警告",
    "sev.info": "お知らせ",
    # periods
    "period.clinic": "診療時間（接続禁止）",
    "period.maintenance": "保守時間（接続可）",
    "period.off-hours": "時間外（保守時間ではありません）",
    # verdicts
    "verdict.permitted": "許可あり",
    "verdict.no-permit": "許可なし",
    "verdict.overdue": "上限時間超過",
    "verdict.outside-window": "許可時間外",
    "verdict.clinic-hours": "診療時間中",
    # purposes
    "purpose.fee-update": "点数表・マスタ更新",
    "purpose.remote-maintenance": "リモート保守",
    "purpose.other": "その他",
    # end reasons
    "end.unplugged": "LANケーブルが外された",
    "end.monitor-stopped": "監視プログラムの停止",
    "end.ended-while-monitor-down": "監視プログラムの停止中に終了（正確な時刻は不明）",
    # alert kinds in a session summary
    "kind.clinic-hours": "診療時間中",
    "kind.outside-window": "許可時間外",
    "kind.no-permit": "許可なし",
    "kind.overdue": "上限時間超過",
    "kind.resolved": "終了",
    "kind.monitor": "監視プログラム",
    "title.media-online": "USBメモリ等を挿したままネットワークに接続",
    "title.unregistered-media": "未登録のUSBメモリ等を検知",
    "title.media-clinic-hours": "診療時間中にUSBメモリ等を検知",
    "title.media-left-in": "USBメモリ等が挿したままです",
    "lead.media-online": "USBメモリ等の媒体が挿さったまま、このパソコンがネットワークに"
    "接続されています。ネットワークにつなぐときは、必ず媒体を抜いてから行ってください。",
    "lead.unregistered-media": "台帳に登録されていないUSBメモリ等の媒体が挿されました。"
    "個人情報を未登録の媒体に保存・持ち出ししてはいけません。",
    "lead.media-clinic-hours": "診療時間中にUSBメモリ等の媒体が挿されました。",
    "lead.media-left-in": "診療時間が終わった後も、USBメモリ等の媒体が挿さったままです。",
    "kind.media-online": "媒体挿入中の接続",
    "kind.unregistered-media": "未登録の媒体",
    "kind.media-clinic-hours": "診療時間中の媒体挿入",
    "kind.media-left-in": "媒体の抜き忘れ",
    "reminders": "（リマインダー {n} 回）",
    # what to do
    "todo.call_contact": "・まず、次の連絡先に電話して、接続のことを伝えてください: {contact}",
    "todo.call_clinic": "・まず、診療所（受付）に電話して、接続のことを伝えてください。",
    "todo.work_report": "・作業の報告を記録してください（何をしたか、個人情報に触れたか、"
    "データを消したか）:\n    link-monitor work-report",
    "todo.unplug_now": "・すぐにパソコンのLANケーブルを抜いてもらってください。",
    "todo.unplug_if_done": "・作業が終わっている場合は、パソコンのLANケーブルを抜いてください。",
    "todo.permit": "・必要な作業のための接続であれば、作業の許可を登録してください:\n"
    "    link-monitor permit ...（使い方: link-monitor permit --help）",
    "todo.permit_after": "・緊急の作業だった場合は、事後の許可として登録してください:\n"
    "    link-monitor permit ...（使い方: link-monitor permit --help）",
    "todo.ack": "・ブザーはボタンまたは link-monitor ack で止められます（ランプは点滅を続けます）。",
    "todo.remind": "・ケーブルが抜かれるまで {every} ごとにお知らせします。",
    "todo.check_monitor": "・監視プログラムの状態を確認してください:\n"
    "    link-monitor status / journalctl -u link-monitor",
    "footer": "-- \nこのメールは link-monitor が自動で送信しました。",
    # monitor details
    "detail.started": "監視を開始しました。",
    "detail.clock-behind": "パソコンの時計が、台帳の最新の記録より前の時刻になっています。時計が"
    "戻されたか誤って設定されています。時間帯の判定と記録の時刻が正しくありません。",
    "f.clock": "時計",
    "clock.unsynchronised": "接続開始時に時刻同期されていません（推定誤差 {error} 秒）。"
    "時刻と時間帯の判定が正確でない可能性があります",
    "clock.unsynchronised_unknown": "接続開始時に時刻同期されていません（誤差不明）。"
    "時刻と時間帯の判定が正確でない可能性があります",
    "detail.started-after-crash": "監視を開始しました。前回は正常に停止していません（強制終了・停電など）。"
    "{since} から {until} まで、接続を検知できていませんでした。",
    "ended_between": "{first} から {last} の間（監視プログラムの停止中のため正確な時刻は不明）",
    "at_least": "{duration} 以上",
    "detail.stopped": "監視を停止しました。停止中は接続を検知できません。",
    "detail.reloaded": "設定を読み込み直しました。",
    "detail.indicator-fault": "表示ランプ・ブザーが動作していません。",
    "detail.watcher-fault": "ネットワーク接続を監視できていません。",
    "detail.media-fault": "USBメモリ等の媒体を監視できていません。",
    "detail.register-fault": "台帳（記録）に書き込めません。",
    "detail.delivery-fault": "警告メールを送信できていません。",
    "detail.clock-jump": "パソコンの時計が変更されました。前後の記録の時刻に注意してください。",
    "detail.no-interface": "監視対象のネットワーク接続口が1つもありません。接続を検知できません"
    "（ランプは「監視対象なし」の二度点滅）。システム担当者に連絡してください。",
    "detail.interface-back": "監視対象のネットワーク接続口が見つかりました。監視を再開しました。",
    # the register's integrity (issue 14)
    "f.head": "台帳の先頭",
    "head": "記録 {seq} 番 {hash}",
    "detail.register-altered": "台帳が監視プログラム以外によって書き換えられています。"
    "書き換えられた記録は引き継がず、新しい接続として監視を続けます。",
    "detail.register-missing": "台帳のファイルがありません。新しい台帳で監視を続けます。",
    "detail.register-empty": "台帳のファイルが空（0 バイト）になっていました。"
    "別名で保管し、新しい台帳で監視を続けます。",
    "detail.register-damaged": "台帳のファイルが壊れています。別名で保管し、新しい台帳で監視を続けます。",
    "detail.register-reshaped": "台帳の構造（表・列・索引・トリガー）が変更されています。"
    "別名で保管し、新しい台帳で監視を続けます。",
    "detail.register-older": "台帳が前回より古いものに置き換えられています（記録が失われています）。"
    "別名で保管し、新しい台帳で監視を続けます。",
    "detail.register-rewritten": "台帳が作り直されています（前回の記録と一致しません）。"
    "別名で保管し、新しい台帳で監視を続けます。",
    "detail.register-file": "動作中に台帳のファイルが削除・置換・切り詰められました。"
    "これ以降の記録は失われるおそれがあります。",
    "todo.register": "・台帳の改ざん・消失のおそれがあります。管理者に連絡し、"
    "保管されたファイルを削除せずに調べてください:\n"
    "    link-monitor verify / link-monitor status / journalctl -u link-monitor",
}

EN: dict[str, str] = {
    "title.clinic-hours": "Network connection during clinic hours",
    "title.outside-window": "Network connection outside the permitted hours",
    "title.no-permit": "Network connection without a permit",
    "title.overdue": "Network connection over its time limit",
    "title.resolved": "Network connection ended",
    "title.monitor": "Notice from the monitor",
    "title.test": "Test message",
    "title.monitor.started": "Monitoring started",
    "title.monitor.started-after-crash": "Monitoring restarted (the last run did not stop cleanly)",
    "title.monitor.stopped": "Monitoring stopped",
    "title.monitor.reloaded": "Configuration reloaded",
    "title.monitor.indicator-fault": "The lamp / buzzer is not working",
    "title.monitor.watcher-fault": "The network link is not watched",
    "title.monitor.register-fault": "The register cannot be written",
    "title.monitor.delivery-fault": "Alerts cannot be delivered",
    "title.monitor.no-interface": "No network interface to watch",
    "title.monitor.interface-back": "Watching a network interface again",
    "reminder": " (reminder {n})",
    "lead.clinic-hours": "A network connection (LAN cable) of this PC was detected during "
    "clinic hours. Connections are forbidden while the clinic is open.",
    "lead.outside-window": "A network connection was detected outside the hours in which "
    "maintenance is permitted.",
    "lead.no-permit": "A network connection was detected without a registered permit.",
    "lead.overdue": "A network connection has lasted longer than its time limit.",
    "lead.resolved.ended-while-monitor-down": "A network connection that raised an alert "
    "ended while the monitor was down (when and why is unknown).",
    "lead.resolved.monitor-stopped": "The record of a network connection that raised an alert "
    "was closed because the monitor stopped.",
    "lead.resolved": "A network connection that raised an alert has ended (the LAN cable "
    "was unplugged).",
    "lead.monitor": "A notice from link-monitor (the program that watches the network link).",
    "lead.test": "This is a test message from link-monitor. If you receive it, alert "
    "delivery is configured correctly. No action is needed.",
    "f.machine": "Machine",
    "f.severity": "Severity",
    "f.interfaces": "Interfaces",
    "f.started": "Started",
    "f.ended": "Ended",
    "f.elapsed": "Connected for",
    "f.duration": "Duration",
    "f.period": "Period",
    "f.rule": "Rule",
    "f.holiday": "Holiday",
    "f.permit": "Permit",
    "f.purpose": "Purpose",
    "f.company": "Company",
    "f.staff": "Staff",
    "f.attendant": "Attendant",
    "f.limit": "Limit",
    "f.ack": "Alarm silenced by",
    "ack": "{at} {by} ({source})",
    "ack_nobody": "button",
    "ack_source.cli": "the command",
    "ack_source.gpio button": "the lamp's button",
    "ack_source.box button": "the box's button",
    "ack_source.screen lamp": "the screen lamp",
    "note.nothing": "Nothing to do.",
    "f.expected": "Expected duration",
    "f.granted_by": "Granted by",
    "f.granted_at": "Granted at",
    "f.note": "Note",
    "f.after_the_fact": "Registered after the fact (emergency)",
    "f.verdicts": "Verdicts",
    "f.alerts": "Alerts sent",
    "f.traffic": "Traffic",
    "f.ended_how": "How it ended",
    "f.detail": "Detail",
    "f.at": "Alert time",
    "f.todo": "What to do",
    "none": "none",
    "yes": "yes",
    "traffic": "sent {sent} / received {received}",
    "unknown_interface": "(unknown)",
    "sev.critical": "critical",
    "sev.warning": "warning",
    "sev.info": "information",
    "period.clinic": "clinic hours (connections forbidden)",
    "period.maintenance": "maintenance window (connections permitted)",
    "period.off-hours": "off hours (not a maintenance window)",
    "verdict.permitted": "permitted",
    "verdict.no-permit": "no permit",
    "verdict.overdue": "over time limit",
    "verdict.outside-window": "outside the permitted hours",
    "verdict.clinic-hours": "during clinic hours",
    "purpose.fee-update": "fee-table / master data update",
    "purpose.remote-maintenance": "remote maintenance",
    "purpose.other": "other",
    "end.unplugged": "LAN cable unplugged",
    "end.monitor-stopped": "monitor stopped",
    "end.ended-while-monitor-down": "ended while the monitor was down (exact time unknown)",
    "kind.clinic-hours": "clinic hours",
    "kind.outside-window": "outside window",
    "kind.no-permit": "no permit",
    "kind.overdue": "overdue",
    "kind.resolved": "resolved",
    "kind.monitor": "monitor",
    "title.media-online": "Network connection with a USB stick plugged in",
    "title.unregistered-media": "Unregistered USB stick or card",
    "title.media-clinic-hours": "USB stick or card inserted during clinic hours",
    "title.media-left-in": "USB stick or card left plugged in",
    "lead.media-online": "A USB stick or other medium is plugged in while this PC is "
    "connected to a network. Always pull the medium out before connecting.",
    "lead.unregistered-media": "A USB stick or other medium that is not in the ledger was "
    "plugged in. Personal data must never be stored on or leave on an unregistered medium.",
    "lead.media-clinic-hours": "A USB stick or other medium was plugged in during clinic hours.",
    "lead.media-left-in": "A USB stick or other medium is still plugged in after clinic "
    "hours ended.",
    "kind.media-online": "medium while online",
    "kind.unregistered-media": "unregistered medium",
    "kind.media-clinic-hours": "medium in clinic hours",
    "kind.media-left-in": "medium left in",
    "reminders": " ({n} reminder(s))",
    "todo.call_contact": "- First call this contact and tell them about the connection: {contact}",
    "todo.call_clinic": "- First call the clinic (reception) and tell them about the connection.",
    "todo.work_report": "- Record the work report (what was done, whether personal data "
    "was accessed, whether data was erased):\n    link-monitor work-report",
    "todo.unplug_now": "- Have the LAN cable of this PC unplugged now.",
    "todo.unplug_if_done": "- If the work is finished, unplug the LAN cable of this PC.",
    "todo.permit": "- If the connection is needed for work, register a permit:\n"
    "    link-monitor permit ...  (usage: link-monitor permit --help)",
    "todo.permit_after": "- If this was emergency work, register a permit after the fact:\n"
    "    link-monitor permit ...  (usage: link-monitor permit --help)",
    "todo.ack": "- Silence the buzzer with the button or `link-monitor ack` (the lamp keeps "
    "blinking).",
    "todo.remind": "- You will be reminded every {every} until the cable is unplugged.",
    "todo.check_monitor": "- Check the monitor:\n"
    "    link-monitor status / journalctl -u link-monitor",
    "footer": "-- \nSent automatically by link-monitor.",
    "detail.started": "Monitoring started.",
    "detail.clock-behind": "The PC's clock is earlier than the register's newest record: it "
    "was set back or set wrong. Period verdicts and recorded times are not right.",
    "f.clock": "Clock",
    "clock.unsynchronised": "not synchronised when the connection started (estimated error "
    "{error} s): times and period verdicts may be off",
    "clock.unsynchronised_unknown": "not synchronised when the connection started (error "
    "unknown): times and period verdicts may be off",
    "detail.started-after-crash": "Monitoring started. The previous run did not stop cleanly "
    "(killed, power cut): connections could not be detected from {since} to {until}.",
    "ended_between": "between {first} and {last} (the monitor was down: the exact time is unknown)",
    "at_least": "at least {duration}",
    "detail.stopped": "Monitoring stopped. Connections are not detected while it is stopped.",
    "detail.reloaded": "The configuration was reloaded.",
    "detail.indicator-fault": "The lamp / buzzer is not working.",
    "detail.watcher-fault": "The network link cannot be watched.",
    "detail.media-fault": "Removable media (USB sticks) are not being watched.",
    "detail.register-fault": "The register cannot be written.",
    "detail.delivery-fault": "Alerts cannot be delivered.",
    "detail.clock-jump": "The computer's clock was changed. Check the times recorded around it.",
    "detail.no-interface": "No watched network interface is present: connections cannot be "
    "detected (the lamp shows BLIND, a double blink). Call IT.",
    "detail.interface-back": "A watched network interface is present again: monitoring resumed.",
    # the register's integrity (issue 14)
    "f.head": "Register head",
    "head": "record {seq} {hash}",
    "detail.register-altered": "The register was changed by something other than the monitor. "
    "The changed records are not continued; monitoring goes on with a new connection.",
    "detail.register-missing": "The register file is gone. Monitoring goes on with a new register.",
    "detail.register-empty": "The register file was empty (0 bytes). It was kept under "
    "another name; monitoring goes on with a new register.",
    "detail.register-damaged": "The register file is damaged. It was kept under another "
    "name; monitoring goes on with a new register.",
    "detail.register-reshaped": "The register's structure (a table, column, index or "
    "trigger) was changed. It was kept under another name; monitoring goes on with a new "
    "register.",
    "detail.register-older": "The register was replaced by an older one (records are "
    "missing). It was kept under another name; monitoring goes on with a new register.",
    "detail.register-rewritten": "The register was rebuilt (it does not match the last run). "
    "It was kept under another name; monitoring goes on with a new register.",
    "detail.register-file": "The register file was deleted, replaced or truncated while the "
    "monitor ran. Records written from now on may be lost.",
    "todo.register": "- The register may have been tampered with or lost. Tell the "
    "administrator, and keep the files set aside (do not delete them):\n"
    "    link-monitor verify / link-monitor status / journalctl -u link-monitor",
}
