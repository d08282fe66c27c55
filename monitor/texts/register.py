"""Texts of the register's integrity (issue 14): a damaged or missing file, a printout
of a broken chain, the witness. The CLI prints them in its language (English); the
daemon's alerts use the ``alerts`` area."""

from __future__ import annotations

JA: dict[str, str] = {
    "damaged": "link-monitor: 台帳が壊れています: {path}: {detail}",
    "damaged_kept": "  ファイルはそのまま残っています: {path}",
    "damaged_moved": "  ファイルは別名で保管されています: {path}",
    "damaged_todo": "  対応: ファイルを削除せず、管理者に連絡してください。調べるには複製して "
    "`sqlite3 複製 .recover` を使います。監視プログラムは次の起動時にこのファイルを "
    "{path}.damaged-（日時） へ移し、それを記録した新しい台帳で監視を続けます。",
    "missing": "link-monitor: 台帳がありません: {path}（監視プログラムが最後に見た台帳は "
    "記録 {seq} 件、先頭 {seq}:{head}）",
    "missing_todo": "  対応: 台帳が削除されたか移されています。管理者に連絡してください。"
    "監視プログラムは次の起動時に重大な警告を出し、新しい台帳を始めます。",
    "broken_top": "警告: 台帳の改ざんを検出しました（最初の異常: {record}: {reason}）。"
    "以下の内容は書き換えられている可能性があります。",
    "witness": "  前回の記録 {seq}:{head} 一致（{path}）",
}

EN: dict[str, str] = {
    "damaged": "link-monitor: register damaged: {path}: {detail}",
    "damaged_kept": "  The file is kept as it is: {path}",
    "damaged_moved": "  The file was kept under another name: {path}",
    "damaged_todo": "  What to do: do not delete it; tell the administrator. To examine it, copy "
    "it and run `sqlite3 COPY .recover`. At its next start the monitor moves it to "
    "{path}.damaged-TIME and goes on with a new register whose first record names it.",
    "missing": "link-monitor: register missing: {path} (the monitor last saw {seq} records, "
    "head {seq}:{head})",
    "missing_todo": "  What to do: the register was deleted or moved; tell the administrator. "
    "At its next start the monitor raises a critical alert and starts a new register.",
    "broken_top": "WARNING: the register's chain is broken (first broken record: {record}: "
    "{reason}). What follows may have been altered.",
    "witness": "  witness  {seq}:{head} matches ({path})",
}
