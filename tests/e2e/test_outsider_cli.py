"""A user outside the service group runs ``status``, ``ack`` or ``permit``: one line naming
the file or socket, asking IT to add them to the ``link-monitor`` group, exit 1, no
traceback. Run as a real unprivileged user (nobody, through ``setpriv``)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import command, env

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root and setpriv to run the command as another user",
)

NOBODY = 65534
AS_NOBODY = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
COMMANDS = (
    ["status"],
    ["status", "--json"],
    ["ack"],
    ["permit", "--purpose", "other", "--company", "c", "--staff", "s", "--note", "x"],
)


@pytest.fixture
def place() -> Iterator[Path]:
    """A directory nobody may enter (pytest's tmp_path is under a 0700 directory)."""
    where = Path(tempfile.mkdtemp(prefix="lm-outsider-"))
    where.chmod(0o755)
    try:
        yield where
    finally:
        shutil.rmtree(where)


def as_nobody(*args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*AS_NOBODY, *command(), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env(**extra),
        cwd="/",
    )


def assert_one_line(done: subprocess.CompletedProcess, *parts: str) -> str:
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]


def test_a_config_only_root_may_read_is_named_with_the_group_to_ask_for(place) -> None:
    cfg = place / "config.toml"
    cfg.write_text('[alerts]\nlanguage = "en"\n')
    cfg.chmod(0o640)  # root:root, as the tests run as root
    for args in COMMANDS:
        line = assert_one_line(as_nobody(*args, "--config", str(cfg)), str(cfg))
        # The language is in the file nobody may read: Japanese and English.
        assert "link-monitor グループ" in line
        assert (
            "permission denied" in line
            and "ask IT to add user nobody to the link-monitor group" in line
        )


def test_a_config_in_a_directory_nobody_may_enter_found_through_the_environment(place) -> None:
    etc = place / "etc"
    etc.mkdir(mode=0o750)
    cfg = etc / "config.toml"
    cfg.write_text("")
    done = as_nobody("status", LINK_MONITOR_CONFIG=str(cfg))
    assert_one_line(done, str(cfg), "link-monitor group")


@pytest.fixture
def closed_socket(place) -> Iterator[Path]:
    """A listening control socket of mode 0600 (root's): nobody may connect."""
    path = place / "control.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(path))
        path.chmod(0o600)
        server.listen(1)
        yield path
    finally:
        server.close()


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "en",
            (
                "cannot open the control socket {path} (permission denied): ask IT to add "
                "user nobody to the link-monitor group"
            ),
        ),
        ("ja", "制御ソケット {path} を開けません"),
    ],
)
def test_a_socket_nobody_may_open_is_named_in_the_configured_language(
    place, closed_socket, language, words
) -> None:
    cfg = place / "config.toml"
    cfg.write_text(f'[alerts]\nlanguage = "{language}"\n[control]\nsocket = "{closed_socket}"\n')
    cfg.chmod(0o644)
    for args in COMMANDS:
        line = assert_one_line(
            as_nobody(*args, "--config", str(cfg)), words.format(path=closed_socket)
        )
        other = "制御ソケット" if language == "en" else "cannot open"
        assert other not in line  # the configured language only


def test_status_follow_on_a_socket_nobody_may_open_says_the_same(place, closed_socket) -> None:
    cfg = place / "config.toml"
    cfg.write_text(f'[alerts]\nlanguage = "en"\n[control]\nsocket = "{closed_socket}"\n')
    cfg.chmod(0o644)
    done = as_nobody("status", "--follow", "--config", str(cfg))
    assert_one_line(done, str(closed_socket), "link-monitor group")


def test_the_system_config_in_a_directory_nobody_may_enter_is_named_not_skipped(place) -> None:
    # As /etc/link-monitor (0750 root:link-monitor): nobody may not even see whether
    # config.toml exists there, and must not fall back to the built-in default.
    etc = place / "etc"
    etc.mkdir(mode=0o750)
    cfg = etc / "config.toml"
    cfg.write_text("")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from monitor import configfile\n"
        "from monitor.cli import main\n"
        f"configfile.SYSTEM_CONFIG = Path({str(cfg)!r})\n"
        "main(['status'])\n"
    )
    done = subprocess.run(
        [*AS_NOBODY, sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env(),
        cwd="/",
    )
    assert_one_line(done, str(cfg), "ask IT to add user nobody to the link-monitor group")


@pytest.mark.parametrize(
    "args",
    [
        ["log"],
        ["log", "--since", "2026-11-01"],
        ["verify"],
        ["export", "--month", "2026-11"],
        ["report", "--month", "2026-11"],
        ["media", "list"],
    ],
    ids=" ".join,
)
def test_a_register_in_a_folder_nobody_may_enter_is_named_with_the_group(place, args) -> None:
    # As /var/lib/link-monitor (0750): the config is readable, the register is not.
    from monitor.register import Register

    state = place / "state"
    state.mkdir(mode=0o750)
    store = state / "register.db"
    Register(store).close()
    cfg = place / "config.toml"
    cfg.write_text(f'[alerts]\nlanguage = "en"\n[store]\npath = "{store}"\n')
    cfg.chmod(0o644)
    line = assert_one_line(as_nobody(*args, "--config", str(cfg)), str(store))
    assert "cannot read the register" in line and "permission denied" in line
    assert "ask IT to add user nobody to the link-monitor group" in line
