"""The ``--help`` of the commands staff use (``status``, ``permit``, ``ack``, ``log``,
``report``, ``export``, ``work-report``) and of the ``link-monitor`` group.

``help.<command>`` is the command's help (its first paragraph is its line in the
listing), ``help.<command>.<option>`` an option's, ``help.any.<option>`` one that every
command has. ``monitor.cli.words.localize`` puts them on the commands.
"""

from __future__ import annotations

JA: dict[str, str] = {
    "main": "受付PCのネットワーク接続を見張り、ランプで知らせ、通知し、台帳に記録します。",
    "any.config_path": "設定ファイル（既定: $LINK_MONITOR_CONFIG、次に "
    "/etc/link-monitor/config.toml、なければ組み込みの既定値）。",
    "status": "監視の今の様子を表示します: 接続、時間帯、ランプ、接続中の作業、許可、通知。",
    "status.as_json": "JSON で1つ出力します（スクリプト用）。",
    "permit": "ケーブルをつなぐ前に作業の許可を記録します（あなたのログイン名が許可した人として"
    "記録されます）。\n\nオプションを付けずに実行すると、質問に1つずつ答えて記録できます。"
    "待っている許可を取り消すには --cancel を付けます。",
    "permit.purpose": "作業の目的: fee-update（点数表の更新）、remote-maintenance"
    "（リモート保守）、other（その他: --note に内容を書いてください）。",
    "permit.company": "作業する会社の名前。",
    "permit.staff": "作業する会社の担当者の名前。",
    "permit.attendant": "作業に立ち会う職員の名前（立会者）。",
    "permit.duration": "作業の予定時間（例 90m、2h）。",
    "permit.note": "そのほか記録しておくこと（目的が「その他」のときは必須）。",
    "permit.after_the_fact": "緊急で、もうつないである接続を後から記録します。",
    "permit.cancel": "待っている許可（または今の接続の許可）を取り消します。取り消しも"
    "記録に残ります。",
    "permit.yes": "確認の質問をせずに記録します。",
    "ack": "警報のブザーを止めます（ケーブルを抜くまでランプは点滅を続けます）。",
    "log": "台帳に記録された接続を一覧にします（古い順、設定のタイムゾーンの時刻）。",
    "log.since": "DATE（YYYY-MM-DD）以降に始まった接続だけ。",
    "log.until": "DATE 以前に始まった接続だけ（その日も含みます）。",
    "log.as_json": "表の代わりに JSON の配列を出力します。",
    "report": "1か月分（または --year で1年分）の台帳を印刷用の HTML ファイルにします: "
    "時間の図、接続の一覧、集計、確認欄（A4 横）。\n\n台帳の改ざんを見つけたときは終了コード 1"
    "（ファイルは作られ、最初に壊れている記録が赤く示されます）。",
    "report.month": "印刷する月（YYYY-MM、設定のタイムゾーン）。",
    "report.year": "1年分を印刷します: 集計のページと各月のページ。",
    "report.lang": "ページの言語（既定: alerts.language）。",
    "report.output": 'FILE に書きます（"-" は標準出力）。既定はここに report-YYYY-MM.html。',
    "export": "1か月分の台帳を、接続1件を1行にして書き出します（印刷・表計算用）。",
    "export.month": "書き出す月（YYYY-MM、設定のタイムゾーン）。",
    "export.fmt": "形式（CSV、BOM 付き UTF-8: Excel でそのまま開けます）。",
    "export.lang": "見出しと値の言語（既定: alerts.language）。",
    "export.output": "標準出力の代わりに FILE に書きます。",
    "work-report": "接続が終わったあと、作業の報告を記録します: 何をしたか、個人情報に"
    "触れたか、持ち込み・持ち出したデータを消したか。許可の予定と照らし合わせます。"
    "\n\nオプションを付けずに実行すると、質問に1つずつ答えて記録できます。",
    "work-report.session": "報告する接続の ID（既定: 報告のまだない一番新しい接続）。",
    "work-report.done": "実際に行った作業。",
    "work-report.personal_data": "個人情報（患者の情報）に触れたか: yes か no。",
    "work-report.erased": "持ち込み・持ち出したデータを消したか: yes、no、none（なかった）。",
    "work-report.as_planned": "許可の予定どおりだったか: yes か no（no なら --note に違い）。",
    "work-report.note": "予定との違い、そのほか記録しておくこと。",
    "work-report.yes": "確認の質問をせずに記録します。",
}

EN: dict[str, str] = {
    "main": "Watch the network link of an offline PC, show it on an LED, alert and keep a "
    "register.",
    "any.config_path": "Config file (default: $LINK_MONITOR_CONFIG, then "
    "/etc/link-monitor/config.toml, then the built-in default).",
    "status": "Show what the running monitor sees: link, period, lamp, session, outbox.",
    "status.as_json": "One JSON object (for scripts).",
    "permit": "Record a permit before plugging in; your login is recorded as its grantor."
    "\n\nWithout options it asks its questions one by one. --cancel withdraws the waiting "
    "permit.",
    "permit.purpose": "Why the cable is plugged in: fee-update, remote-maintenance, or other "
    "(then say what in --note).",
    "permit.company": "The contractor's company.",
    "permit.staff": "The contractor's staff member.",
    "permit.attendant": "The clinic's staff member who attends the work.",
    "permit.duration": 'Expected duration ("90m", "2h").',
    "permit.note": "Anything else worth recording (required for purpose other).",
    "permit.after_the_fact": "Record an emergency connection that is already plugged in.",
    "permit.cancel": "Cancel the waiting permit (or the current session's); the cancellation "
    "is recorded.",
    "permit.yes": "Record without asking for confirmation.",
    "ack": "Silence the alarm buzzer (the lamp keeps blinking until the cable is out).",
    "log": "List the register's sessions, newest last (times in the configured zone).",
    "log.since": "Only sessions that started on or after DATE (YYYY-MM-DD, local time).",
    "log.until": "Only sessions that started on or before DATE (the whole day is included).",
    "log.as_json": "Print a JSON array instead of a table.",
    "report": "Make the printable register of a month (or --year): one HTML file with a "
    "timeline picture, the list of connections, a summary and sign-off boxes, for A4 "
    "landscape.\n\nExit 1 when the register's hash chain is broken (the file is still "
    "written, with a red banner naming the first broken record).",
    "report.month": "The month to print (in the configured time zone).",
    "report.year": "Print a whole year instead: a summary page, then one page per month.",
    "report.lang": "Language of the page (default: alerts.language).",
    "report.output": 'Write to FILE ("-": standard output); default report-YYYY-MM.html here.',
    "export": "Export one month of the register, one row per session, for printing.",
    "export.month": "The month to export (in the configured time zone).",
    "export.fmt": "Output format (CSV, UTF-8 with BOM: opens directly in Excel).",
    "export.lang": "Column headers and values (default: alerts.language).",
    "export.output": "Write to FILE instead of standard output.",
    "work-report": "Record the work report of a finished session: what was done, whether "
    "personal data was accessed, whether data brought in or out was erased, checked "
    "against the permit's plan.\n\nWithout options it asks its questions one by one.",
    "work-report.session": "The session reported on (default: the newest without a report).",
    "work-report.done": "What was done.",
    "work-report.personal_data": "Whether personal (patient) data was accessed: yes or no.",
    "work-report.erased": "Whether data brought in or out was erased: yes, no, none (there "
    "was none).",
    "work-report.as_planned": "Whether the work went as the permit planned: yes or no (then "
    "the difference in --note).",
    "work-report.note": "The difference from the plan, anything else worth recording.",
    "work-report.yes": "Record without asking for confirmation.",
}
