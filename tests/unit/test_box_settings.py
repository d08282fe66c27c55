"""The box's own config reader gives what the full config gives for [indicator], without
pydantic: the same values, or the same refusal with the same key paths and words."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from monitor import config as full
from monitor import configfile
from monitor.box import settings as box
from monitor.errors import ConfigError

SAMPLE = Path(__file__).resolve().parents[2] / "config" / "link-monitor.toml"
HEAVY = ("pydantic", "apprise", "holidays", "pyroute2", "psutil")


def _answers(path: Path) -> tuple[object, object]:
    """Return what each reader makes of ``path``: the values, or the problems."""

    def full_answer() -> object:
        try:
            return dict(full.load_config(path).indicator)
        except ConfigError as exc:
            return [(p.path, p.message) for p in exc.problems if p.path.startswith("indicator")]

    def box_answer() -> object:
        try:
            settings, _ = box.load_box_settings(path)
        except ConfigError as exc:
            return [(p.path, p.message) for p in exc.problems]
        return dataclasses.asdict(settings)

    return full_answer(), box_answer()


def test_the_defaults_and_bounds_are_the_config_modules_own() -> None:
    assert dataclasses.asdict(box.BoxSettings()) == dict(full.Indicator())
    assert [f.name for f in dataclasses.fields(box.BoxSettings)] == list(
        full.Indicator.model_fields
    )
    from monitor.config import bounds
    from monitor.config.model import MAX_CONFIG_DURATION

    assert (box.MAX_DURATION, box.MAX_DEPTH) == (MAX_CONFIG_DURATION, bounds.MAX_DEPTH)


def test_the_sample_config_reads_the_same() -> None:
    whole, light = _answers(SAMPLE)
    assert whole == light
    assert isinstance(light, dict) and light["led"] == 17


def test_the_builtin_default_and_the_env_lookup_read_the_same(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(full.ENV_CONFIG, raising=False)
    monkeypatch.setattr(configfile, "SYSTEM_CONFIG", tmp_path / "absent.toml")
    settings, source = box.load_box_settings(None)
    assert (settings, source) == (box.BoxSettings(), full.BUILTIN)
    cfg = tmp_path / "c.toml"
    cfg.write_text('[indicator]\nled = 4\nslow_blink = "1500ms"\n')
    monkeypatch.setenv(full.ENV_CONFIG, str(cfg))
    settings, source = box.load_box_settings(None)
    assert (settings.led, settings.slow_blink.total_seconds(), source) == (4, 1.5, str(cfg))


@pytest.mark.parametrize(
    "indicator",
    [
        'kind = "console"\nled = 0\nbuzzer = 27\nslow_blink = "2s"\nheartbeat_on = 0.5',
        'kind = "box"\nport = "/dev/ttyACM0"\nactive_high = false\nbeep = "1m30s"',
        'kind = "gpio"\nled = 28',
        "led = -1\nbuzzer = true",
        'led = "17"\nbutton = 1.5',
        'kind = "blink"\nwhat = 1',
        "led = 5",
        "button = 17\nstatus_led = 17\nbuzzer = 17",
        'kind = "box"',
        'heartbeat_on = "3s"',
        'heartbeat_every = "1s"\nheartbeat_on = "2s"\nled = 27',
        'slow_blink = "0s"\nfast_blink = -1\nbeep = "soon"\nself_test_hold = true',
        'active_high = "yes"\nport = 3',
        'port = "/dev/tty\\u0000S0"\nled = [[[[[[[[[1]]]]]]]]]',
        'slow_blink = "25h"\nbeep = 1e308\nled = [1]\nkind = ["box"]',
        '"a\\u0007b" = 1\nactive_high = {x = 1}',
        "zzz = 1\nled = 99\nyyy = 2",
    ],
)
def test_an_indicator_section_gets_the_same_answer_from_both(tmp_path, indicator) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"[indicator]\n{indicator}\n")
    whole, light = _answers(cfg)
    if isinstance(light, list):  # the same problems, the order aside
        assert isinstance(whole, list) and light
        assert sorted(whole) == sorted(light)
    else:
        assert whole == light


FIXTURES = SAMPLE.parents[1] / "tests" / "fixtures" / "bad-configs"


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.toml")), ids=lambda p: p.name)
def test_each_bad_config_fixture_gets_the_same_indicator_answer_from_both(fixture) -> None:
    whole, light = _answers(fixture)
    if isinstance(light, dict):  # the box accepts: nothing wrong under [indicator]
        assert whole in (light, []), whole
    elif light and light[0][0] == "":  # the file itself (syntax, UTF-8, nesting)
        with pytest.raises(ConfigError):
            full.load_config(fixture)
    else:
        assert sorted(light) == sorted(whole)


def test_an_indicator_that_is_not_a_table_is_refused_the_same_way(tmp_path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('indicator = "gpio"\n')
    whole, light = _answers(cfg)
    assert whole == light
    assert isinstance(light, list) and light[0][0] == "indicator"


def test_the_box_reads_indicator_and_ignores_the_other_sections(tmp_path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('[alerts]\nlanguage = "xx"\n[indicator]\nled = 6\n')
    with pytest.raises(ConfigError):
        full.load_config(cfg)
    settings, _ = box.load_box_settings(cfg)
    assert settings.led == 6


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[indicator\n", "TOML syntax error"),
        (b"\xff\xfe", "not UTF-8 text"),
    ],
)
def test_an_unreadable_file_is_refused_as_the_full_load_refuses_it(tmp_path, content, message):
    cfg = tmp_path / "c.toml"
    cfg.write_bytes(content)
    with pytest.raises(ConfigError) as light:
        box.load_box_settings(cfg)
    with pytest.raises(ConfigError) as whole:
        full.load_config(cfg)
    assert [str(p) for p in light.value.problems] == [str(p) for p in whole.value.problems]
    assert message in str(light.value.problems[0])
    with pytest.raises(ConfigError, match="file not found"):
        box.load_box_settings(tmp_path / "absent.toml")


def test_the_box_command_and_its_config_load_import_none_of_the_heavy_libraries(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[indicator]\nkind = "console"\nled = 6\n[alerts]\nurls = ["x://"]\n')
    code = f"""
import sys
from monitor.cli import main
try:
    main(["box", "--help"])
except SystemExit as exc:
    assert exc.code == 0, exc.code
from monitor.box.settings import load_box_settings
from monitor.cli import box
from monitor.indicator.boxdisplay import build_box_display
settings, _ = load_box_settings({str(cfg)!r})
assert settings.led == 6
print(sorted(m for m in sys.modules if m.split(".")[0] in {HEAVY!r} or m == "monitor.config"))
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
