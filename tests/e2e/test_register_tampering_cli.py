"""Issue 14 at the command line: each tampering (sqlite3 on the file a daemon left) and
what ``link-monitor verify`` and ``verify --anchor`` say; printouts that refuse to lie
(``log``, ``export`` verify first: a warning at the top, exit 1); a damaged or missing
file is a clear error with what to do, never a traceback.

``verify`` also compares the witness the daemon keeps beside the file, so a chain
recomputed from scratch or rolled back is caught without a head noted by hand.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from monitor.register import read_witness
from tests.support.cli import run
from tests.support.daemon_parts import config_text
from tests.support.tampering import (
    TAMPERINGS,
    Tampering,
    daemon_left_register,
    garbage_pages,
    zero_length,
)

#: Where the command says more than the register's own error (the witness knows).
CLI_SAYS = {"delete the file": "register missing"}


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return daemon_left_register(tmp_path_factory.mktemp("base"))


def copy(base: Path, tmp: Path) -> tuple[Path, Path]:
    """Return (config, register) of a copy of the base in ``tmp``."""
    shutil.copytree(base, tmp / "state")
    config = tmp / "link-monitor.toml"
    config.write_text(config_text(tmp))
    return config, tmp / "state" / "register.db"


def said(result) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    return result.stdout + result.stderr


@pytest.mark.parametrize("case", TAMPERINGS, ids=lambda c: c.name)
def test_each_tampering_and_what_verify_says(case: Tampering, base: Path, tmp_path: Path):
    config, store = copy(base, tmp_path)
    noted = read_witness(store)
    assert noted is not None
    case.apply(store)

    plain = run("verify", "--config", str(config))
    # With the witness beside the file, plain verify catches what an anchor catches.
    expected = CLI_SAYS.get(case.name) or (case.verify if case.verify is not None else case.anchor)
    if expected is None:
        assert plain.returncode == 0, said(plain)
        assert "OK:" in plain.stdout and "witness" in plain.stdout
    else:
        assert plain.returncode == 1 and expected in said(plain)

    anchored = run("verify", "--config", str(config), "--anchor", f"{noted.seq}:{noted.hash}")
    if case.anchor is None:
        assert anchored.returncode == 0, said(anchored)
    else:
        assert anchored.returncode == 1
        assert (CLI_SAYS.get(case.name) or case.anchor) in said(anchored)


def test_log_verifies_first_and_prints_with_a_warning_at_the_top(base: Path, tmp_path: Path):
    config, store = copy(base, tmp_path)
    TAMPERINGS[0].apply(store)  # a closed session's verdict edited to "permitted"
    result = run("log", "--config", str(config))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("WARNING: the register's chain is broken (first broken record:")
    assert "sessions row S20260304T010000000000Z" in lines[0] and "verdicts" in lines[0]
    assert len(lines) > 3  # the sessions are still printed
    as_json = run("log", "--config", str(config), "--json")
    assert as_json.returncode == 1 and as_json.stdout.lstrip().startswith("[")
    assert "WARNING: the register's chain is broken" in as_json.stderr


def test_log_since_checks_the_part_its_period_rests_on(base: Path, tmp_path: Path):
    """Issue 18: with --since, only the part of the chain the period rests on is
    checked (its cost follows the period); an edit of a printed session is caught."""
    config, store = copy(base, tmp_path)
    TAMPERINGS[0].apply(store)
    result = run("log", "--config", str(config), "--since", "2026-03-04")
    assert result.returncode == 1, said(result)
    first = result.stdout.splitlines()[0]
    assert "sessions row S20260304T010000000000Z" in first and "verdicts" in first


def test_log_of_an_intact_register_has_no_warning(base: Path, tmp_path: Path):
    config, _ = copy(base, tmp_path)
    result = run("log", "--config", str(config))
    assert result.returncode == 0 and "WARNING" not in result.stdout


def test_export_names_the_broken_record_at_the_top_and_exits_1(base: Path, tmp_path: Path):
    config, store = copy(base, tmp_path)
    TAMPERINGS[0].apply(store)
    result = run("export", "--config", str(config), "--month", "2026-03", "--lang", "en")
    assert result.returncode == 1
    top = result.stdout.lstrip("\ufeff").splitlines()[:6]
    assert any("sessions row S20260304T010000000000Z" in line for line in top), top
    assert any(line.startswith("Register head") or "head" in line.lower() for line in top), top


@pytest.mark.parametrize("damage", [garbage_pages, zero_length], ids=["garbage", "empty"])
@pytest.mark.parametrize(
    "args",
    [["verify"], ["log"], ["export", "--month", "2026-03"], ["report", "--month", "2026-03"]],
)
def test_a_damaged_file_is_a_clear_error_saying_what_to_do(
    damage, args: list[str], base: Path, tmp_path: Path
):
    config, store = copy(base, tmp_path)
    damage(store)
    result = run(*args, "--config", str(config), cwd=tmp_path)
    text = said(result)
    assert result.returncode == 1
    assert f"link-monitor: register damaged: {store}:" in result.stderr
    assert f"The file is kept as it is: {store}" in result.stderr
    assert "What to do: do not delete it" in result.stderr
    assert "Traceback" not in text


def test_a_missing_register_with_a_witness_is_not_no_register_yet(base: Path, tmp_path: Path):
    config, store = copy(base, tmp_path)
    store.unlink()
    for args in (["verify"], ["log"]):
        result = run(*args, "--config", str(config))
        assert result.returncode == 1
        assert f"link-monitor: register missing: {store}" in result.stderr
        assert "no register" not in result.stderr.lower().replace("register missing", "")
