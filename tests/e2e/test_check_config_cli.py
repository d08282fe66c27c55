"""check-config as a user runs it: the installed command in a subprocess."""

from pathlib import Path

from tests.support import cli

SAMPLE = cli.ROOT / "config" / "link-monitor.toml"
CORPUS = cli.ROOT / "tests" / "fixtures" / "bad-configs"


def test_sample_config_checks_ok_with_exit_0():
    result = cli.run("check-config", "--config", str(SAMPLE))
    assert result.returncode == 0, result.stderr
    assert "正常" in result.stdout and "診療時間[0]   sun,holiday 17:00-22:00" in result.stdout


def test_broken_config_exits_2_with_every_problem_and_no_traceback(tmp_path: Path):
    f = tmp_path / "broken.toml"
    f.write_text(
        'timezone = "Asia/Tokio"\n[limits]\nmax_sesion = "2h"\n'
        '[[clinic]]\ndays = ["sun"]\nhours = "25:00-22:00"\n',
        encoding="utf-8",
    )
    result = cli.run("check-config", "--config", str(f))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    for expected in (
        "timezone: unknown time zone 'Asia/Tokio'",
        "limits.max_sesion: unknown key",
        "clinic[0].hours: bad time '25:00'",
    ):
        assert expected in result.stderr


def test_config_path_from_environment_variable_is_used(tmp_path: Path):
    bad = CORPUS / "03-unknown-zone.toml"
    result = cli.run("check-config", env=cli.env(LINK_MONITOR_CONFIG=str(bad)))
    assert result.returncode == 2 and str(bad) in result.stderr
