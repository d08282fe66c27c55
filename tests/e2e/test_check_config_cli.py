"""check-config as a user runs it: the installed command in a subprocess."""

from pathlib import Path

from tests.support import cli
from tests.support.netns import Netns, require_root

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


# ------------------------------------------- issue 15: a pattern that watches nothing


def _check_in(ns, config: Path, *args: str):
    return ns.run(*cli.command(), "check-config", "--config", str(config), *args, check=False)


@require_root
def test_a_typo_in_link_interfaces_is_a_warning_naming_the_interfaces_present(tmp_path: Path):
    config = tmp_path / "typo.toml"
    # English, to read the warnings as written here (Japanese is the default).
    english = '[alerts]\nlanguage = "en"\n'
    config.write_text(english + '[link]\ninterfaces = ["eht*", "usb*"]\n', encoding="utf-8")
    with Netns() as ns:
        ns.veth("eth0", "peer0")
        result = _check_in(ns, config)
        assert result.returncode == 0, result.stderr  # may be meant for another machine
        assert "OK" in result.stdout
        warnings = result.stderr.splitlines()
        assert warnings == [
            f"warning: link.interfaces pattern {p!r} matches no interface of this machine now "
            "(present: eth0, lo, peer0; ignored: lo): right if it is for one plugged in later, "
            "a typo otherwise (connections there cannot be detected)"
            for p in ("eht*", "usb*")
        ] + [
            (
                "warning: nothing on this machine is watched: the monitor would detect no "
                "connection (the lamp would show BLIND)"
            )
        ]
        strict = _check_in(ns, config, "--strict")
        assert strict.returncode == 2 and strict.stderr == result.stderr
        # The pattern as meant: no warning, --strict passes.
        config.write_text(english + '[link]\ninterfaces = ["eth*"]\n', encoding="utf-8")
        fixed = _check_in(ns, config, "--strict")
        assert fixed.returncode == 0 and fixed.stderr == "", fixed.stderr
