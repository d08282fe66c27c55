"""Click's own words (usage lines, headings, its errors) for ``monitor.cli.words``.

Keys are click's English messages as marked for gettext (``_("...")``) in click's
modules; ``EN`` keeps click's words. ``tests/unit/test_cli_words.py`` checks that every
message the installed click marks is here.
"""

from __future__ import annotations

JA: dict[str, str] = {
    "%(prog)s, version %(version)s": "%(prog)s バージョン %(version)s",
    "(Did you mean one of: {possibilities}?)": "（{possibilities} のどれかですか？）",
    "(dynamic)": "（実行時に決定）",
    "Aborted!": "中止しました。",
    "Argument {name!r} takes {nargs} values.": "引数 {name!r} には値が {nargs} 個必要です。",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.": "引数の宣言は"
    "1つだけです（{length} 個: {decls}）。",
    "Boolean option {decl!r} cannot use the same flag for true/false.": "真偽のオプション "
    "{decl!r} に同じフラグは使えません。",
    "Choice({choices})": "選択肢（{choices}）",
    "Choose from:\n\t{choices}": "次から選んでください:\n\t{choices}",
    "Commands": "コマンド",
    "Confirm the action without prompting.": "確認せずに実行します。",
    "Could not determine name for option with declarations {decls!r}": "オプションの名前が"
    "決まりません: {decls!r}",
    "Could not open file {filename!r}: {message}": "ファイル {filename!r} を開けません: {message}",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}": "注意: コマンド "
    "{name!r} は廃止予定です。{extra_message}",
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}": "注意: "
    "{param_type} {name!r} は廃止予定です。{extra_message}",
    "Did you mean {possibility}?": "{possibility} のことですか？",
    "Do you want to continue?": "続けますか？",
    "Error: The two entered values do not match.": "エラー: 2回の入力が一致しません。",
    "Error: invalid input": "エラー: 入力が正しくありません",
    "Error: {message}": "エラー: {message}",
    "Got unexpected extra argument ({args})": "余分な引数があります（{args}）",
    "Got unexpected extra arguments ({args})": "余分な引数があります（{args}）",
    "Invalid start character for option ({option})": "オプションの最初の文字が正しくありません"
    "（{option}）",
    "Invalid value for {param_hint}: {message}": "{param_hint} の値が正しくありません: {message}",
    "Invalid value: {message}": "値が正しくありません: {message}",
    "Missing argument": "必要な引数がありません:",
    "Missing command.": "コマンドを指定してください。",
    "Missing option": "必要なオプションがありません:",
    "Missing parameter": "必要な指定がありません:",
    "Missing parameter: {param_name}": "必要な指定がありません: {param_name}",
    "Missing {param_type}": "必要な {param_type} がありません:",
    "Name '{name}' defined twice": "名前 '{name}' が2回定義されています",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument "
    "instead? Did you mean to pass '--{name}'?": "オプションの定義がないのに名前 ({name}) が"
    "渡されました。'--{name}' のことですか？",
    "No such command {name!r}.": "{name!r} というコマンドはありません。",
    "No such option {name!r}.": "{name!r} というオプションはありません。",
    "Option {name!r} does not take a value.": "オプション {name!r} に値は付けられません。",
    "Option {name!r} requires an argument.": "オプション {name!r} には値が必要です。",
    "Option {name!r} requires {nargs} arguments.": "オプション {name!r} には値が {nargs} 個"
    "必要です。",
    "Options": "オプション",
    "Positional arguments": "引数",
    "Press any key to continue...": "何かキーを押すと続けます…",
    "Repeat for confirmation": "確認のためもう一度入力してください",
    "Show the version and exit.": "バージョンを表示して終わります。",
    "Show this message and exit.": "この説明を表示して終わります。",
    "Takes {nargs} values but 1 was given.": "値が {nargs} 個必要ですが、1個でした。",
    "Takes {nargs} values but {len} were given.": "値が {nargs} 個必要ですが、{len} 個でした。",
    "Try '{command} {option}' for help.": "使い方は '{command} {option}' で表示されます。",
    "Unknown color {colour!r}": "不明な色 {colour!r}",
    "Unknown standard stream '{name}'": "不明な標準ストリーム '{name}'",
    "Usage:": "使い方:",
    "Value must be an iterable.": "値は並び（リスト）にしてください。",
    "default: {default}": "既定: {default}",
    "deprecated": "廃止予定",
    "directory": "フォルダー",
    "env var: {var}": "環境変数: {var}",
    "file": "ファイル",
    "path": "パス",
    "unknown error": "不明なエラー",
    "{len_type} values are required, but {len_value} was given.": "値が {len_type} 個必要です"
    "が、{len_value} 個でした。",
    "{len_type} values are required, but {len_value} were given.": "値が {len_type} 個必要です"
    "が、{len_value} 個でした。",
    "{name} {filename!r} does not exist.": "{name} {filename!r} がありません。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} はフォルダーです。",
    "{name} {filename!r} is a file.": "{name} {filename!r} はファイルです。",
    "{name} {filename!r} is not executable.": "{name} {filename!r} は実行できません。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} を読めません。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} に書き込めません。",
    "{value!r} does not match the format {format}.": "{value!r} は形式 {format} に合いません。",
    "{value!r} does not match the formats {formats}.": "{value!r} は形式 {formats} のどれにも"
    "合いません。",
    "{value!r} is not a valid UUID.": "{value!r} は UUID ではありません。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} は真偽値では"
    "ありません。使える値: {states}",
    "{value!r} is not a valid {number_type}.": "{value!r} は正しい {number_type} ではありません。",
    "{value!r} is not one of {choices}.": "{value!r} は使えません（{choices} のどれか）。",
    "{value!r} is not {choice}.": "{value!r} は使えません（{choice} のみ）。",
    "{value} is not in the range {range}.": "{value} は範囲 {range} の外です。",
}

EN: dict[str, str] = {key: key for key in JA}
