"""Every config value is bounded: each hostile input is a problem with its key path."""

from __future__ import annotations

import pytest

from monitor.config import ConfigError, load_config, parse_config_text
from monitor.config.bounds import deep_nesting_at
from monitor.configfile import MAX_BYTES


def _problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config_text(text, "bounds.toml")
    return [str(p) for p in info.value.problems]


def test_a_value_nested_deeper_than_eight_levels_is_named_with_its_path():
    # 20 levels parse (unlike 3000): the check on the data names the exact element.
    text = '[link]\ninterfaces = ["eth*", ' + "[" * 20 + "]" * 20 + "]\n"
    problems = _problems(text)
    assert "link.interfaces[1][0][0][0][0][0][0]: nested deeper than 8 levels" in problems


def test_the_other_problems_are_still_reported_beside_a_hostile_value():
    text = '[store]\npath = "a\\u0000b"\n[limits]\nmax_session = "2 hours"\n'
    problems = _problems(text)
    assert problems[0].startswith("limits.max_session: expected a duration")
    assert problems[1] == "store.path: contains a NUL byte at position 1"
    assert len(problems) == 2  # not also "store.path: Input should be a valid path"


def test_a_control_character_in_a_key_is_named_without_echoing_it_raw():
    problems = _problems('[alerts]\n"lang\\tuage" = "ja"\n')
    assert problems == ["alerts: key 'lang\\tuage' contains control character U+0009 at position 4"]


def test_a_nul_byte_in_a_closed_day_and_in_an_interface_pattern_are_problems():
    problems = _problems(
        '[calendar]\nclosed = ["12-29\\u0000"]\n[link]\ninterfaces = ["eth\\u0000"]\n'
    )
    assert problems == [
        "calendar.closed[0]: contains a NUL byte at position 5",
        "link.interfaces[0]: contains a NUL byte at position 3",
    ]


def test_a_nan_duration_is_refused_naming_the_forms():
    assert _problems("[link]\nsettle = nan\n") == [
        'link.settle: expected a duration like "90s", "15m", "2h", "1h30m" or "500ms", got nan'
    ]


def test_a_duration_of_thousands_of_digits_is_too_long_not_an_int_conversion_error():
    problems = _problems(f'[limits]\nmax_session = "{"9" * 5000}s"\n')
    assert len(problems) == 1 and problems[0].startswith(
        "limits.max_session: too long: at most 24h"
    )


def test_a_day_long_duration_is_the_most_a_config_key_takes():
    config = parse_config_text('[limits]\nmax_session = "24h"\nremind_every = 86400\n')
    assert (
        config.limits.max_session.total_seconds()
        == 86400
        == config.limits.remind_every.total_seconds()
    )


def test_a_config_file_over_a_mebibyte_is_refused_before_it_is_parsed(tmp_path):
    path = tmp_path / "huge.toml"
    path.write_bytes(b"# padding\n" * (MAX_BYTES // 10 + 1))
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value.problems[0]) == "larger than 1024 KiB: not a config file"


def test_the_nesting_locator_skips_strings_comments_and_counts_array_tables():
    text = (
        "# a comment with [[[[ brackets\n"
        '[[clinic]]\ndays = ["sun"]\nhours = "17:00-22:00"\n'
        '[[clinic]]\nhours = "[[[[[[[[[["\n'
        "days = " + "[" * 10 + "]" * 10 + "\n"
    )
    assert deep_nesting_at(text) == ("clinic[1].days", 7)
    assert deep_nesting_at('[link]\ninterfaces = [["a"]]\n') is None


def test_the_quick_commands_reader_refuses_a_nul_socket_and_deep_nesting(tmp_path):
    # status / ack / permit read the config without pydantic: a traceback before.
    from monitor.cli.quickconfig import load_quick

    nul = tmp_path / "nul.toml"
    nul.write_text('[control]\nsocket = "/run/a\\u0000b"\n', encoding="utf-8")
    deep = tmp_path / "deep.toml"
    deep.write_text("[control]\nsocket = " + "[" * 3000 + "]" * 3000 + "\n", encoding="utf-8")
    for path, expected in (
        (nul, "control.socket: contains a NUL byte at position 6"),
        (deep, "nested too deep for a config"),
    ):
        with pytest.raises(ConfigError) as info:
            load_quick(path)
        assert [str(p) for p in info.value.problems] == [expected]
