"""The ``[media]`` section: its defaults, its checks, its summary in ``check-config``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner

from monitor.cli import main
from monitor.config import ConfigError, default_config, parse_config_text


def test_every_media_rule_is_on_by_default_and_wl_is_wireless():
    m = default_config().media
    assert (m.watch, m.online, m.unregistered, m.clinic_hours, m.left_in) == (True,) * 5
    assert m.left_in_after == timedelta(minutes=30)
    assert m.is_wireless("wlp2s0") and not m.is_wireless("eth0")


def test_bad_media_values_are_all_reported_with_their_keys():
    text = '[media]\nonline = "yes"\nleft_in_after = "-5m"\nclinic_hours_allowed = "バックアップ1"\nbogus = 1\n'
    with pytest.raises(ConfigError) as info:
        parse_config_text(text, "x.toml")
    problems = "\n".join(str(p) for p in info.value.problems)
    for key in ("media.online", "media.left_in_after", "media.clinic_hours_allowed", "media.bogus"):
        assert key in problems, problems


def test_check_config_summarises_the_media_rules(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        '[alerts]\nlanguage = "en"\n[media]\nonline = false\nclinic_hours_allowed = ["バックアップ1"]\n'
    )
    out = CliRunner().invoke(main, ["check-config", "--config", str(path)])
    assert out.exit_code == 0, out.output
    assert (
        "media         unregistered-media, media-clinic-hours, media-left-in "
        "(left in: after 30m; allowed: バックアップ1)" in out.output
    )
