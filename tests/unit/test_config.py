"""The config loader: the sample validates; the built-in default is sane."""

from pathlib import Path

from monitor.config import default_config, load_config

SAMPLE = Path(__file__).resolve().parents[2] / "config" / "link-monitor.toml"


def test_sample_config_is_valid_and_equals_the_documented_defaults():
    sample = load_config(SAMPLE)
    builtin = default_config()
    assert sample.clinic == builtin.clinic
    assert sample.maintenance == builtin.maintenance
    assert sample.limits == builtin.limits
    assert sample.link == builtin.link
    assert sample.indicator == builtin.indicator
    assert sample.alerts == builtin.alerts


def test_builtin_default_watches_physical_interfaces_and_ignores_loopback():
    link = default_config().link
    assert link.watches("eth0") and link.watches("enp3s0") and link.watches("usb0")
    assert not link.watches("lo")
    assert not link.watches("docker0")
