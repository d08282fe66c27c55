"""Texts of the ``link-monitor`` command: errors, summaries and console lines.

The command prints most of these in English (``monitor.cli.common.CLI_LANGUAGE``:
scripts, the README and the tests read them); ``ack.*`` follows ``alerts.language``.
Click's own help texts stay beside their options.
"""

from __future__ import annotations

JA: dict[str, str] = {
    "error": "link-monitor: {error}",
    "none": "なし",
    "config.invalid": "link-monitor: 設定 {source} に誤りがあります:",
    "denied.config": "設定ファイル {path} を読めません（権限がありません）: ユーザー {user} を"
    " {group} グループに追加するよう IT 担当者に依頼してください",
    "denied.socket": "制御ソケット {path} を開けません（権限がありません）: ユーザー {user} を"
    " {group} グループに追加するよう IT 担当者に依頼してください",
    # check-config
    "check.ok": "{source}: 正常",
    "check.timezone": "  タイムゾーン  {zone}",
    "check.holidays": "  休日          {country}; 休業日 {closed}",
    "check.clinic": "  診療時間[{i}]   {window}",
    "check.maintenance": "  保守時間[{i}] {window}",
    "check.limits": "  上限          接続 {max_session}, 再通知 {remind_every}ごと, "
    "許可が必要 {require_permit}",
    "check.link": "  接続の監視    {method}: {interfaces}（除外 {ignore}）",
    "check.indicator": "  表示器        {kind}",
    "check.alerts": "  通知          URL {n} 件{extra}, 言語 {lang}",
    "check.apprise_config": " + apprise 設定",
    "check.credential": " + 資格情報",
    "check.store": "  台帳          {path}",
    "check.control": "  制御ソケット  {path}",
    "check.media": "  媒体          {rules}（抜き忘れ {after} 後、例外: {allowed}）",
    "check.media_off": "  媒体          監視しない（media.watch = false）",
    # explain
    "explain.iso": "2026-05-06T17:00、2026-05-06T17:00+09:00、2026-05-06T08:00Z のような "
    "ISO 8601 で指定してください",
    "explain.gap": "{time} は {zone} には存在しません（時計が進みます）。時差を付けてください",
    "explain.bad_instant": "link-monitor explain: 時刻 {text!r} が不正です: {error}",
    "explain.line": "{at}  {period}",
    "explain.rule": "（{rule}）",
    "explain.holiday": "  休日: {name}",
    "explain.until": "  {time} まで、その後 {period}",
    # watch
    "watch.online": "接続",
    "watch.offline": "切断",
    "watch.removed": "取り外し",
    "watch.line": "{stamp}  {interface:<15} {state:<8} carrier={carrier} "
    "operstate={operstate} admin={admin} index={index}",
    "watch.start": "{interfaces} を {method} で監視中（除外 {ignore}）{netns}; "
    "現在 {n} 個; Ctrl-C で終了",
    "watch.nothing": "なし",
    "watch.netns": "（名前空間 {netns}）",
    "watch.bad_interface": "link-monitor: --interface: {error}",
    # test-indicator
    "indicator.pattern.off": "メインLED 消灯（未接続）",
    "indicator.pattern.on": "メインLED 点灯（接続中・許可あり）",
    "indicator.pattern.warn": "メインLED ゆっくり点滅（超過・時間外・許可なし）",
    "indicator.pattern.alarm": "メインLED 速い点滅＋ブザー（診療時間中。ボタンで止まります）",
    "indicator.pressed": "ボタンが押されました（{where}）: 確認",
    "indicator.held": "ボタンが長押しされました（{where}）: 自己診断、全出力を順に",
    "indicator.source": "{source}: 表示器 {where}",
    "indicator.gpio": "gpio（{factory}; BCM ピン: {pins}）",
    "indicator.pin": "{name} GPIO{pin}",
    "indicator.heartbeat": "状態LEDの点滅: {on} の点灯を {every} ごと",
    "indicator.showing": "{pattern} を {seconds:g} 秒表示: {help}",
    "indicator.now": "  現在: {state}",
    "indicator.device": "{name} {state}",
    "indicator.heartbeat_running": "状態LED 動作中",
    "indicator.heartbeat_stopped": "状態LED 停止",
    "indicator.interrupted": "中断しました",
    "indicator.all_off": "全出力を消しました",
    "indicator.done": "終了: 全出力を消しました",
    # log / export / verify
    "records.bad_date": "{value!r} は日付ではありません: YYYY-MM-DD か YYYY-MM-DDTHH:MM[+09:00]",
    "records.bad_month": "{value!r} は年月ではありません: YYYY-MM（例 2026-04）",
    "records.bad_anchor": "{value!r}: verify が表示した RECORD:HASH を指定してください"
    "（例 1234:9ea5d5aa…（16進64桁））",
    "records.none_yet": "記録された接続はまだありません",
    "records.none_in_period": "その期間に記録された接続はありません",
    "records.cannot_write": "link-monitor: {path} に書き込めません: {error}",
    "records.exported": "{path}: {year}-{month:02d} の接続 {n} 件",
    "records.broken": "改ざんあり: {record}: {reason}",
    "records.register": "  台帳     {path}",
    "records.intact": "正常: {n} 件の記録に異常なし",
    "records.head": "  先頭     {seq}:{head}",
    "records.anchor": "  基準     {seq}:{head} 一致",
    # test-alert
    "printout.written": "{path}: 接続 {n} 件",
    "printout.month_or_year": "--month YYYY-MM か --year YYYY のどちらかを指定してください",
    "alert.no_destination": "link-monitor: {source} に通知先がありません: alerts.urls、"
    "alerts.config か alerts.credential を設定してください（config/link-monitor.toml 参照）",
    "alert.ok": "成功    {url}",
    "alert.failed": "失敗    {url}\n        {error}",
    "alert.summary": "{n} 件の通知先のうち {accepted} 件がテスト送信を受け付けました",
    "alert.some_failed": "; {failed} 件失敗",
    # daemon
    "daemon.refused": "link-monitor: {cmd} は断られました: {error}",
    "reload.refused": "読み込み直していません: 動作中の監視は今の設定のままです",
    "reload.done": "{what} を読み込み直しました",
    "reload.restart": "次の変更にはサービスの再起動が必要です: {names}",
    "ack.silenced": "ブザーを止めました（ケーブルを抜くまでランプは点滅を続けます）。",
    "ack.nothing": "止めるブザーはありません（ランプ: {pattern}）。",
    # box
    "box.started": "link-monitor box {version}: {source}; ポート {port}; 表示器 {kind}{factory}; "
    "{lost:g} 秒メッセージがなければ「切断」",
    "box.factory": "（{factory}）",
    "box.stopped": "link-monitor box: 停止しました",
}

EN: dict[str, str] = {
    "error": "link-monitor: {error}",
    "none": "none",
    "config.invalid": "link-monitor: invalid config {source}:",
    "denied.config": "cannot read the config {path} (permission denied): ask IT to add"
    " user {user} to the {group} group",
    "denied.socket": "cannot open the control socket {path} (permission denied): ask IT to"
    " add user {user} to the {group} group",
    "check.ok": "{source}: OK",
    "check.timezone": "  timezone      {zone}",
    "check.holidays": "  holidays      {country}; closed {closed}",
    "check.clinic": "  clinic[{i}]     {window}",
    "check.maintenance": "  maintenance[{i}] {window}",
    "check.limits": "  limits        max_session {max_session}, remind_every {remind_every}, "
    "require_permit {require_permit}",
    "check.link": "  link          {method}: {interfaces} (ignore {ignore})",
    "check.indicator": "  indicator     {kind}",
    "check.alerts": "  alerts        {n} url(s){extra}, language {lang}",
    "check.apprise_config": " + apprise config",
    "check.credential": " + credential",
    "check.store": "  store         {path}",
    "check.control": "  control       {path}",
    "check.media": "  media         {rules} (left in: after {after}; allowed: {allowed})",
    "check.media_off": "  media         not watched (media.watch = false)",
    "explain.iso": "expected ISO 8601 such as 2026-05-06T17:00, 2026-05-06T17:00+09:00 or "
    "2026-05-06T08:00Z",
    "explain.gap": "{time} does not exist in {zone} (the clocks jump forward); give an offset",
    "explain.bad_instant": "link-monitor explain: bad instant {text!r}: {error}",
    "explain.line": "{at}  {period}",
    "explain.rule": " by {rule}",
    "explain.holiday": "  holiday: {name}",
    "explain.until": "  until {time}, then {period}",
    "watch.online": "online",
    "watch.offline": "offline",
    "watch.removed": "removed",
    "watch.line": "{stamp}  {interface:<15} {state:<8} carrier={carrier} "
    "operstate={operstate} admin={admin} index={index}",
    "watch.start": "watching {interfaces} (ignoring {ignore}) with {method}{netns}; "
    "{n} present now; Ctrl-C to stop",
    "watch.nothing": "nothing",
    "watch.netns": " in namespace {netns}",
    "watch.bad_interface": "link-monitor: --interface: {error}",
    "indicator.pattern.off": "main LED off (offline)",
    "indicator.pattern.on": "main LED steadily on (online, permitted)",
    "indicator.pattern.warn": "main LED slow blink (overdue / outside a window / no permit)",
    "indicator.pattern.alarm": "main LED fast blink + buzzer beeping (clinic hours; press the "
    "button to silence)",
    "indicator.pressed": "button pressed ({where}): acknowledged",
    "indicator.held": "button held ({where}): self-test, every output in turn",
    "indicator.source": "{source}: indicator {where}",
    "indicator.gpio": "gpio ({factory}; BCM pins: {pins})",
    "indicator.pin": "{name} GPIO{pin}",
    "indicator.heartbeat": "status LED heartbeat: {on} flash every {every}",
    "indicator.showing": "showing {pattern} for {seconds:g}s: {help}",
    "indicator.now": "  now: {state}",
    "indicator.device": "{name} {state}",
    "indicator.heartbeat_running": "heartbeat running",
    "indicator.heartbeat_stopped": "heartbeat stopped",
    "indicator.interrupted": "interrupted",
    "indicator.all_off": "every output off",
    "indicator.done": "done: every output off",
    "records.bad_date": "{value!r} is not a date: use YYYY-MM-DD or YYYY-MM-DDTHH:MM[+09:00]",
    "records.bad_month": "{value!r} is not a month: use YYYY-MM, e.g. 2026-04",
    "records.bad_anchor": "{value!r}: expected RECORD:HASH as printed by verify, "
    "e.g. 1234:9ea5d5aa…(64 hex digits)",
    "records.none_yet": "no sessions recorded yet",
    "records.none_in_period": "no sessions recorded in that period",
    "records.cannot_write": "link-monitor: cannot write {path}: {error}",
    "records.exported": "{path}: {n} session(s) of {year}-{month:02d}",
    "records.broken": "BROKEN: {record}: {reason}",
    "records.register": "  register {path}",
    "records.intact": "OK: {n} records intact",
    "records.head": "  head     {seq}:{head}",
    "records.anchor": "  anchor   {seq}:{head} matches",
    "printout.written": "{path}: {n} connection(s)",
    "printout.month_or_year": "give either --month YYYY-MM or --year YYYY",
    "alert.no_destination": "link-monitor: no alert destination configured in {source}: set "
    "alerts.urls, alerts.config or alerts.credential (see config/link-monitor.toml)",
    "alert.ok": "OK      {url}",
    "alert.failed": "FAILED  {url}\n        {error}",
    "alert.summary": "{accepted} of {n} destination(s) accepted the test message",
    "alert.some_failed": "; {failed} failed",
    "daemon.refused": "link-monitor: {cmd} refused: {error}",
    "reload.refused": "not reloaded: the running monitor keeps its current config",
    "reload.done": "reloaded {what}",
    "reload.restart": "restart the service for: {names}",
    "ack.silenced": "Buzzer silenced (the lamp keeps blinking until the cable is out).",
    "ack.nothing": "Nothing to silence (lamp: {pattern}).",
    "box.started": "link-monitor box {version}: {source}; port {port}; indicator {kind}{factory}; "
    "lost after {lost:g}s without a message",
    "box.factory": " ({factory})",
    "box.stopped": "link-monitor box: stopped",
}
