"""Texts of the control socket: error replies of the daemon and errors of the client.

The protocol speaks English (scripts, the README and tests read these replies):
``monitor.control`` calls them with ``WIRE_LANGUAGE``; the Japanese is here for the
day a reply follows ``alerts.language``.
"""

from __future__ import annotations

JA: dict[str, str] = {
    "bad.json": "JSON の行ではありません: {error}",
    "bad.object": "JSON オブジェクトが必要です（受け取ったのは {type}）",
    "bad.cmd_missing": "cmd: 必須です（{commands} のいずれか）",
    "bad.cmd_unknown": "cmd: 不明なコマンド {cmd!r}（{commands} のいずれか）",
    "bad.fields": "{cmd}: 不明な項目 {fields}",
    "bad.purpose": "purpose: {got!r} は使えません（{choices} のいずれか）",
    "bad.for_type": 'for: "1h" のような時間が必要です（受け取ったのは {got!r}）',
    "bad.for": "for: {error}",
    "bad.for_range": "for: 0 より長く {max} 以下にしてください",
    "bad.after_the_fact": "after_the_fact: true か false が必要です（受け取ったのは {got!r}）",
    "text.required": "{field}: 必須です",
    "text.type": "{field}: 文字列が必要です（受け取ったのは {type}）",
    "text.empty": "{field}: 空にはできません",
    "text.long": "{field}: {limit} 文字を超えています",
    "text.control": "{field}: 制御文字が含まれています",
    "busy": "混雑中: 接続が多すぎます",
    "too_long": "要求が長すぎます（{limit} バイトを超えています）",
    "internal": "内部エラー: {type}: {error}",
    "refused": "デーモンが要求を断りました",
    "socket.mkdir": "{dir} を作れません: {error}",
    "socket.not_socket": "{path} はソケットではありません。置き換えません",
    "socket.in_use": "別の link-monitor が動いています（ソケット {path} が応答します）",
    "socket.bind": "制御ソケット {path} を作れません: {error}",
    "client.not_running": "link-monitor は動いていません（{path} にソケットがありません）",
    "client.denied": "{path} へのアクセスが拒否されました: root か link-monitor グループの"
    "メンバーとして実行してください",
    "client.unreachable": "{path} のデーモンに接続できません: {error}",
    "client.timeout": "{path} のデーモンが {seconds:g} 秒以内に応答しませんでした",
    "client.lost": "{path} のデーモンとの接続が切れました: {error}",
    "client.garbled": "{path} のデーモンの応答が読めません: {raw}",
    "bad.follow": "follow: true か false が必要です（受け取ったのは {got!r}）",
    "bad.ack_source": "source: {got!r} は使えません（{choices} のいずれか）",
    "client.silent": "{path} のデーモンから {seconds:g} 秒間なにも届きません",
    "client.ended": "{path} のデーモンが接続を閉じました（停止しました）",
}

EN: dict[str, str] = {
    "bad.json": "not a JSON line: {error}",
    "bad.object": "expected a JSON object, got {type}",
    "bad.cmd_missing": "cmd: required, one of {commands}",
    "bad.cmd_unknown": "cmd: unknown command {cmd!r} (one of {commands})",
    "bad.fields": "{cmd}: unknown field(s) {fields}",
    "bad.purpose": "purpose: got {got!r}, expected one of {choices}",
    "bad.for_type": 'for: expected a duration like "1h", got {got!r}',
    "bad.for": "for: {error}",
    "bad.for_range": "for: must be more than 0 and at most {max}",
    "bad.after_the_fact": "after_the_fact: expected true or false, got {got!r}",
    "text.required": "{field}: required",
    "text.type": "{field}: expected a string, got {type}",
    "text.empty": "{field}: must not be empty",
    "text.long": "{field}: longer than {limit} characters",
    "text.control": "{field}: contains control characters",
    "busy": "busy: too many connections",
    "too_long": "request too long (more than {limit} bytes)",
    "internal": "internal error: {type}: {error}",
    "refused": "the daemon refused the request",
    "socket.mkdir": "cannot create {dir}: {error}",
    "socket.not_socket": "{path} exists and is not a socket; refusing to replace it",
    "socket.in_use": "another link-monitor is running (its socket {path} answers)",
    "socket.bind": "cannot create control socket {path}: {error}",
    "client.not_running": "link-monitor is not running (no socket at {path})",
    "client.denied": "permission denied on {path}: run as root or as a member of the "
    "link-monitor group",
    "client.unreachable": "cannot reach the daemon at {path}: {error}",
    "client.timeout": "the daemon at {path} did not answer within {seconds:g} s",
    "client.lost": "lost the daemon at {path}: {error}",
    "client.garbled": "garbled reply from the daemon at {path}: {raw}",
    "bad.follow": "follow: expected true or false, got {got!r}",
    "bad.ack_source": "source: got {got!r}, expected one of {choices}",
    "client.silent": "nothing from the daemon at {path} for {seconds:g} s",
    "client.ended": "the daemon at {path} closed the connection (it stopped)",
}
