"""A corpus of malformed configs: each gives exit 2 and names the key, never a traceback."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.config import ConfigError, load_config, parse_config_text
from monitor.jobs import check_text

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "bad-configs"

# file stem -> (key path the message must name, a fragment saying what is wrong)
EXPECTED = {
    "01-bad-hour": ("clinic[0].hours", "bad time '25:00'"),
    "02-unknown-limits-key": ("limits.max_sesion", "unknown key"),
    "03-unknown-zone": ("timezone", "unknown time zone 'Asia/Tokio'"),
    "04-pin-twice": ("indicator", "pin 17 used twice"),
    "05-bad-apprise-url": ("alerts.urls", "apprise cannot parse urls[0]"),
    "06-unknown-top-level-key": ("timezon", "unknown key"),
    "07-bad-day-name": ("maintenance[0].days[0]", "'weekdays'"),
    "08-empty-days": ("maintenance[0].days", "at least 1"),
    "09-hours-without-dash": ("clinic[0].hours", "HH:MM-HH:MM"),
    "10-empty-window": ("clinic[0].hours", "same time"),
    "11-bad-duration": ("limits.max_session", "expected a duration"),
    "12-zero-remind": ("limits.remind_every", "greater than zero"),
    "13-bool-as-string": ("limits.require_permit", "boolean"),
    "14-bad-closed-date": ("calendar.closed[0]", "'2026-02-30'"),
    "15-bad-closed-range": ("calendar.closed[0]", "both ends need a year"),
    "16-unknown-country": ("calendar.country", "unknown country 'ZZ'"),
    "17-bad-method": ("link.method", "'ethtool'"),
    "18-bad-pin-number": ("indicator.led", "less than or equal to 27"),
    "19-box-without-port": ("indicator", "needs indicator.port"),
    "20-bad-language": ("alerts.language", "'fr'"),
    "21-toml-syntax": ("", "TOML syntax error"),
    "22-clinic-not-a-table": ("clinic", "tuple"),
    "23-missing-hours": ("clinic[0].hours", "required key is missing"),
    "24-bad-interface-pattern": ("link.interfaces", "bad interface name or pattern 'eth 0'"),
    "25-bad-indicator-kind": ("indicator.kind", "'lamp'"),
    "26-retry-order": ("alerts", "retry_first <= retry_max"),
    "27-negative-settle": ("link.settle", "must not be negative"),
    "28-section-is-array": ("limits", "valid dictionary"),
    "29-bad-minute": ("maintenance[0].hours", "bad time '08:61'"),
    "30-not-utf8": ("", "not UTF-8"),
    # issue 15: each of 31-49 ended in a traceback (OverflowError, RecursionError)
    "31-max-session-inf": ("limits.max_session", "too long: at most 24h, got inf"),
    "32-remind-every-1e308": ("limits.remind_every", "too long: at most 24h, got 1e+308"),
    "33-poll-interval-int64": ("link.poll_interval", "too long: at most 24h"),
    "34-settle-huge-ms": ("link.settle", "too long: at most 24h"),
    "35-slow-blink-inf": ("indicator.slow_blink", "too long: at most 24h, got inf"),
    "36-fast-blink-1e308": ("indicator.fast_blink", "too long: at most 24h"),
    "37-beep-int64": ("indicator.beep", "too long: at most 24h"),
    "38-heartbeat-every-huge-ms": ("indicator.heartbeat_every", "too long: at most 24h"),
    "39-heartbeat-on-inf": ("indicator.heartbeat_on", "too long: at most 24h"),
    "40-self-test-hold-1e308": ("indicator.self_test_hold", "too long: at most 24h"),
    "41-retry-first-int64": ("alerts.retry_first", "too long: at most 24h"),
    "42-retry-max-huge-hours": ("alerts.retry_max", "too long: at most 24h, got '99999999999h'"),
    "43-nested-store-path": ("store.path", "nested deeper than 8 levels (line 3)"),
    "44-nested-interfaces": ("link.interfaces", "nested deeper than 8 levels"),
    "45-nested-clinic-days": ("clinic[0].days", "nested deeper than 8 levels (line 4)"),
    "46-nested-alerts-urls": ("alerts.urls", "nested deeper than 8 levels"),
    "47-nested-control-socket": ("control.socket", "nested deeper than 8 levels"),
    "48-nested-indicator-led": ("indicator.led", "nested deeper than 8 levels"),
    "49-nested-timezone": ("timezone", "nested deeper than 8 levels (line 2)"),
    # issue 15: each of 50-54 passed check-config
    "50-nul-in-store-path": ("store.path", "contains a NUL byte at position 25"),
    "51-no-interfaces": ("link.interfaces", "watches nothing"),
    "52-unknown-subdivision": ("calendar.subdivision", "no subdivisions of JP"),
    "53-newline-in-machine": ("alerts.machine", "control character U+000A"),
    "54-duration-over-a-day": ("limits.max_session", "too long: at most 24h, got '25h'"),
}


def test_corpus_has_at_least_twenty_files_and_each_has_an_expectation():
    stems = sorted(p.stem for p in CORPUS.glob("*.toml"))
    assert len(stems) >= 20
    assert stems == sorted(EXPECTED)


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_malformed_config_exits_2_naming_the_key(stem):
    path, fragment = EXPECTED[stem]
    result = CliRunner().invoke(main, ["check-config", "--config", str(CORPUS / f"{stem}.toml")])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    lines = [line.strip() for line in result.output.splitlines()]
    expected_start = f"{path}: " if path else ""
    matching = [line for line in lines if line.startswith(expected_start) and fragment in line]
    assert matching, f"no line '{expected_start}...{fragment}...' in:\n{result.output}"


def test_every_problem_is_reported_at_once():
    text = """
timezone = "Asia/Tokio"
[limits]
max_sesion = "2h"
[[clinic]]
days = ["sun"]
hours = "25:00-22:00"
[indicator]
led = 17
buzzer = 17
[alerts]
urls = ["nonsense"]
"""
    with pytest.raises(ConfigError) as info:
        check_text(text, "multi.toml")  # shape and library checks: one list
    paths = {p.path for p in info.value.problems}
    assert {"timezone", "limits.max_sesion", "clinic[0].hours", "indicator", "alerts.urls"} <= paths


def test_passwords_in_unparsable_urls_are_not_echoed():
    with pytest.raises(ConfigError) as info:
        check_text('[alerts]\nurls = ["bogus://user:s3cret@host"]\n', "<config>")
    assert "s3cret" not in str(info.value)
    assert "alerts.urls: apprise cannot parse urls[0] 'bogus://user:***@host'" in str(info.value)


def test_missing_file_is_a_config_error_naming_the_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "nope.toml")
    assert "nope.toml" in str(info.value) and "file not found" in str(info.value)


def test_valid_config_prints_summary_and_exits_0(tmp_path):
    f = tmp_path / "ok.toml"
    f.write_text('[limits]\nmax_session = "1h30m"\n[alerts]\nlanguage = "en"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check-config", "--config", str(f)])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output and "max_session 1h30m" in result.output


def test_library_problems_join_the_others_in_the_order_of_the_keys():
    # The order one validation of the whole config gave when the library checks
    # were validators: by section, the checked key first in its section.
    text = (
        '[calendar]\ncountry = "xx"\nclosed = ["13-01"]\nfoo = 1\n'
        '[alerts]\nurls = ["nosuch://a", "mailto://a:pw@b"]\nlanguage = "fr"\n'
        '[limits]\nmax_session = "x"\ntimezon = 1\n'
    )
    with pytest.raises(ConfigError) as info:
        check_text(text, "order.toml")
    assert [p.path for p in info.value.problems] == [
        "calendar.country",
        "calendar.closed[0]",
        "calendar.foo",
        "limits.max_session",
        "limits.timezon",
        "alerts.urls",
        "alerts.language",
    ]
    assert str(info.value.problems[5]) == (
        "alerts.urls: apprise cannot parse urls[0] 'nosuch://a', urls[1] 'mailto://a:***@b'"
    )


def test_the_shape_check_alone_leaves_the_library_keys_alone():
    config = parse_config_text('[calendar]\ncountry = "xx"\n[alerts]\nurls = ["nosuch://a"]\n')
    assert config.calendar.country == "XX" and config.alerts.urls == ("nosuch://a",)
