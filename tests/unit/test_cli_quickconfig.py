"""The quick commands' config reader gives what the full config gives, without pydantic."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor import config as full
from monitor.cli import quickconfig as quick
from monitor.errors import ConfigError

SAMPLE = Path(__file__).resolve().parents[2] / "config" / "link-monitor.toml"


def _same(option: Path | None) -> None:
    config, source = full.load(option)
    q = quick.load_quick(option)
    assert (q.socket, q.language, q.timezone, q.source) == (
        config.control.socket,
        config.alerts.language,
        config.timezone,
        source,
    )
    assert q.zone() == config.zone


def test_the_defaults_are_the_config_modules_own() -> None:
    assert quick.SYSTEM_SOCKET == full.Control().socket
    assert quick.DEFAULT_LANGUAGE == full.Alerts().language
    assert quick.DEFAULT_TIMEZONE == full.Config().timezone


def test_the_sample_config_reads_the_same(monkeypatch) -> None:
    monkeypatch.delenv(full.ENV_CONFIG, raising=False)
    _same(SAMPLE)


def test_a_config_setting_the_three_keys_reads_the_same(tmp_path, monkeypatch) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'timezone = "Europe/Berlin"\n[alerts]\nlanguage = "en"\n'
        f'[control]\nsocket = "{tmp_path}/s.sock"\n'
    )
    _same(cfg)
    monkeypatch.setenv(full.ENV_CONFIG, str(cfg))
    _same(None)  # found through $LINK_MONITOR_CONFIG


def test_a_config_without_the_keys_takes_the_file_defaults(tmp_path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[limits]\nmax_session = "1h"\n')
    _same(cfg)


@pytest.mark.parametrize("as_root", [True, False])
def test_the_built_in_default_reads_the_same_for_root_and_for_a_user(
    tmp_path, monkeypatch, as_root: bool
) -> None:
    monkeypatch.delenv(full.ENV_CONFIG, raising=False)
    if full.SYSTEM_CONFIG.exists():
        pytest.skip("this machine has a system config")
    monkeypatch.setattr("os.geteuid", lambda: 0 if as_root else 1000)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    _same(None)
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    _same(None)


@pytest.mark.parametrize(
    ("text", "path", "fragment"),
    [
        ('[alerts]\nlanguage = "fr"\n', "alerts.language", "'fr'"),
        ("[control]\nsocket = 5\n", "control.socket", "5"),
        ('control = "x"\n', "control", "valid dictionary"),
        ("timezone = \n", "", "TOML syntax error"),
    ],
)
def test_a_wrong_key_is_an_error_naming_it(tmp_path, text: str, path: str, fragment: str) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as caught:
        quick.load_quick(cfg)
    [problem] = caught.value.problems
    assert problem.path == path and fragment in problem.message
    with pytest.raises(ConfigError) as again:  # the full validation refuses it too
        full.load(cfg)
    assert any(p.path == path for p in again.value.problems)


def test_an_unknown_zone_is_named_when_a_command_needs_the_zone(tmp_path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('timezone = "Asia/Tokio"\n')
    q = quick.load_quick(cfg)  # ack needs no zone: it still works
    with pytest.raises(ConfigError) as caught:
        q.zone()
    assert caught.value.problems[0].path == "timezone"
    assert "unknown time zone 'Asia/Tokio'" in caught.value.problems[0].message


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda p: None, "file not found"),
        (lambda p: p.mkdir(), "is a directory"),
        (lambda p: p.write_bytes(b"\xff\xfe"), "not UTF-8"),
    ],
)
def test_an_unreadable_file_says_why_like_the_full_load(tmp_path, make, fragment: str) -> None:
    cfg = tmp_path / "c.toml"
    make(cfg)
    with pytest.raises(ConfigError) as caught:
        quick.load_quick(cfg)
    with pytest.raises(ConfigError) as again:
        full.load(cfg)
    assert fragment in str(caught.value.problems[0])
    assert caught.value.problems == again.value.problems
