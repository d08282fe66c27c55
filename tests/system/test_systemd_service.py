"""The installed service under a real systemd (PID 1 in a Debian container).

Exactly what the README tells IT staff: unpack the bundle built for the container's
Python, ``./install.sh``, check it, use it, upgrade, uninstall; every check goes through
``systemctl``, ``journalctl`` and the ``link-monitor`` command inside the container. What
each command printed is kept in ``.dev/system-SUITE.log``. The rootfs is cached under
/var/cache/link-monitor-test (``LINK_MONITOR_TEST_CACHE``); from an empty cache
debootstrap takes about a minute per release.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.debian import needs_debian
from tests.system.container import PYTHON_OF, Container, ContainerError, ensure_rootfs

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "packaging" / "build_bundle.py"
LOGS = ROOT / ".dev"
UNIT = "link-monitor.service"

pytestmark = [
    pytest.mark.skipif(
        os.geteuid() != 0,
        reason="needs root to boot a systemd container "
        "(systemd-nspawn, debootstrap); CI runs as root",
    ),
    needs_debian("debootstrap", "systemd-container", "iproute2"),
]


def version_now() -> str:
    found = re.search(r'(?m)^version = "(.+)"$', (ROOT / "pyproject.toml").read_text())
    assert found
    return found.group(1)


def build_bundle(out: Path, python: str, arch: str, version: str | None = None) -> str:
    """Build a PC bundle; return its file name (in ``out``)."""
    cmd = [sys.executable, str(BUILD), "--python", python, "--arch", arch, "--out", str(out)]
    if version:
        cmd += ["--version", version]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return re.search(r"bundle: \S+/(\S+\.tar\.gz)", done.stdout).group(1)  # type: ignore[union-attr]


class World:
    """The booted container, the bundles in /srv/bundles, and the names used."""

    def __init__(self, ct: Container, bundles: dict[str, str], python: str):
        self.ct, self.bundles, self.python = ct, bundles, python
        self.cable = ""

    def unpack(self, key: str) -> str:
        """Unpack a bundle under /root (as IT staff would); return its folder."""
        name = self.bundles[key].removesuffix(".tar.gz")
        self.ct.sh(f"cd /root && rm -rf {name} && tar xzf /srv/bundles/{self.bundles[key]}")
        return f"/root/{name}"

    def status_json(self, user: str | None = None) -> dict:
        return json.loads(self.ct.sh("link-monitor status --json", user=user).stdout)

    def sessions(self) -> list[dict]:
        return json.loads(self.ct.sh("link-monitor log --json").stdout or "[]")

    def open_sessions(self) -> list[dict]:
        return [s for s in self.sessions() if s.get("ended_at") is None]

    def main_pid(self, quiet: bool = False) -> int:
        return int(self.ct.sh(f"systemctl show -p MainPID --value {UNIT}", quiet=quiet).stdout)

    def wait(self, predicate, seconds: float, what: str):  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.5)
        raise AssertionError(f"not within {seconds:.0f} s: {what}")


SUITES = ["bookworm", "trixie"]


@pytest.fixture(scope="module", params=SUITES)
def world(request, tmp_path_factory) -> Iterator[World]:
    suite = request.param
    LOGS.mkdir(exist_ok=True)
    log = LOGS / f"system-{suite}.log"
    log.write_text(f"# systemd end-to-end on Debian {suite}\n")
    started = time.monotonic()
    try:
        rootfs = ensure_rootfs(suite, LOGS / f"debootstrap-{suite}.log")
    except ContainerError as exc:
        pytest.skip(f"Debian {suite}: {exc}")
    python = PYTHON_OF[suite]
    arch = platform.machine()
    out = tmp_path_factory.mktemp(f"bundles-{suite}")
    other_python = "3.10" if python != "3.10" else "3.11"
    other_arch = "aarch64" if arch != "aarch64" else "x86_64"
    bundles = {
        "now": build_bundle(out, python, arch),
        "newer": build_bundle(out, python, arch, version=f"{version_now()}.post1"),
        "wrong-python": build_bundle(out, other_python, arch),
        "wrong-cpu": build_bundle(out, python, other_arch),
    }
    ready = time.monotonic()
    ct = Container(rootfs, f"lmt-{suite}-{os.getpid()}", {out: "/srv/bundles"}, log)
    try:
        ct.__enter__()
    except ContainerError as exc:
        if suite != "bookworm":
            pytest.skip(f"Debian {suite} does not boot here: {exc}")
        raise
    ct.note(f"rootfs+bundles {ready - started:.0f} s, boot {time.monotonic() - ready:.1f} s")
    try:
        yield World(ct, bundles, python)
    finally:
        ct.stop()
        with open(log, "a") as f:
            f.write(f"## done in {time.monotonic() - started:.0f} s\n")


def test_the_installer_refuses_a_wrong_bundle_no_root_no_venv_and_no_systemd(world):
    ct = world.ct
    ct.sh("useradd -m kenko01 && useradd -m outsider")
    wrong_python = world.unpack("wrong-python")
    done = ct.sh(f"{wrong_python}/install.sh", check=False)
    assert done.returncode == 5 and f"is Python {world.python}" in done.stderr
    wrong_cpu = world.unpack("wrong-cpu")
    done = ct.sh(f"{wrong_cpu}/install.sh", check=False)
    assert done.returncode == 6 and "CPUs" in done.stderr
    here = world.unpack("now")
    ct.sh(f"cp -a {here} /tmp/bundle && chmod -R a+rX /tmp/bundle")
    done = ct.sh("/tmp/bundle/install.sh", user="kenko01", check=False)
    assert done.returncode == 3 and "must be run as root" in done.stderr
    # python3-venv missing looks like this: no ensurepip (python3.X-venv ships it).
    ensurepip = f"/usr/lib/python{world.python}/ensurepip"
    ct.sh(f"mv {ensurepip} {ensurepip}.off")
    done = ct.sh(f"{here}/install.sh", check=False)
    ct.sh(f"mv {ensurepip}.off {ensurepip}")
    assert done.returncode == 7 and "apt install python3-venv" in done.stderr
    # No systemd: what a machine without it shows (no /run/systemd/system), in a mount
    # namespace of its own with an empty /run.
    no_systemd = ct.sh(
        f"unshare -m sh -c 'mount -t tmpfs none /run && {here}/install.sh'", check=False
    )
    assert no_systemd.returncode == 4 and "systemd is not running" in no_systemd.stderr
    assert ct.sh(f"systemctl cat {UNIT}", check=False).returncode != 0  # nothing installed


def test_the_readme_install_starts_the_service_active_with_its_status_line(world):
    ct = world.ct
    here = world.unpack("now")
    t0 = time.monotonic()
    ct.sh(f"cd {here} && ./install.sh")
    ct.note(f"install.sh took {time.monotonic() - t0:.1f} s")
    ct.sh("link-monitor check-config")
    status = ct.sh(f"systemctl status --no-pager {UNIT}").stdout
    assert "Active: active (running)" in status
    assert re.search(r'Status: ".+"', status), status
    show = ct.sh(f"systemctl show -p Type,NotifyAccess,StatusText,ActiveState,SubState {UNIT}")
    # Type=notify is "active (running)" only after READY=1, and NotifyAccess=main
    # accepts it only from the daemon's own PID.
    assert "Type=notify" in show.stdout and "NotifyAccess=main" in show.stdout
    assert "ActiveState=active" in show.stdout and "StatusText=" in show.stdout
    ct.sh(f"journalctl -u {UNIT} -b --no-pager -o cat | tail -n 20")


def test_a_cable_plugged_and_unplugged_is_seen_in_status_journal_and_register(world):
    ct = world.ct
    world.cable = ct.add_cable("eth1")
    subprocess.run(["ip", "link", "set", world.cable, "up"], check=True)
    world.wait(lambda: world.status_json()["online"], 10, "online after the plug")
    status = ct.sh(f"systemctl status --no-pager --lines=0 {UNIT}").stdout
    assert re.search(r'Status: ".*(接続中|online).*"', status), status
    sessions = world.wait(lambda: world.open_sessions(), 10, "an open session in the register")
    assert sessions[-1]["interfaces"] == ["eth1"]
    ct.sh(f"journalctl -u {UNIT} -b --no-pager -o cat | grep -E 'indicator: (on|warn|alarm)'")
    subprocess.run(["ip", "link", "set", world.cable, "down"], check=True)
    world.wait(lambda: not world.status_json()["online"], 10, "offline after the unplug")
    world.wait(lambda: not world.open_sessions(), 15, "the session closed after link.settle")
    status = ct.sh(f"systemctl status --no-pager --lines=0 {UNIT}").stdout
    assert re.search(r'Status: ".*(未接続|offline).*"', status), status
    closed = world.sessions()[-1]
    assert closed["id"] == sessions[-1]["id"] and closed["ended_at"]
    assert closed["end_reason"]
    ct.sh(f"journalctl -u {UNIT} -b --no-pager -o cat | grep 'session {closed['id']} closed'")


def test_reload_with_a_bad_config_is_refused_and_the_old_config_stays(world):
    ct = world.ct
    pid = world.main_pid()
    ct.sh(
        "cp /etc/link-monitor/config.toml /root/config.good && "
        "sed -i 's|^timezone = .*|timezone = \"Mars/Olympus_Mons\"|' /etc/link-monitor/config.toml"
    )
    try:
        done = ct.sh(f"systemctl reload {UNIT}", check=False)
        assert done.returncode != 0
        journal = ct.sh(f"journalctl -u {UNIT} -b --no-pager -o cat | tail -n 8").stdout
        assert "Mars/Olympus_Mons" in journal
        # In the config's language (the sample's: Japanese) since the words merge.
        assert "not reloaded" in journal or "読み込み直していません" in journal
        assert ct.sh(f"systemctl is-active {UNIT}").stdout.strip() == "active"
        assert world.main_pid() == pid
        status = ct.sh(f"systemctl status --no-pager --lines=0 {UNIT}").stdout
        assert re.search(r'Status: ".+"', status), status
    finally:
        ct.sh("cp /root/config.good /etc/link-monitor/config.toml")
    # The daemon never left its config: same process, still in Asia/Tokyo.
    assert world.main_pid() == pid
    assert world.status_json()["next_change"].endswith("+09:00")
    ct.sh(f"systemctl reload {UNIT}")  # the good one is taken again


def test_the_watchdog_restarts_a_stopped_daemon_and_the_open_session_goes_on(world):
    ct = world.ct
    subprocess.run(["ip", "link", "set", world.cable, "up"], check=True)
    before = world.wait(lambda: world.open_sessions(), 10, "a session open before SIGSTOP")
    pid = world.main_pid()
    watchdog = ct.sh(f"systemctl show -p WatchdogUSec --value {UNIT}").stdout.strip()
    t0 = time.monotonic()
    ct.sh(f"kill -STOP {pid}")

    def restarted() -> int:
        new = world.main_pid(quiet=True)
        active = ct.sh(f"systemctl is-active {UNIT}", check=False, quiet=True).stdout == "active\n"
        return new if active and new not in (0, pid) else 0

    new = world.wait(restarted, 60, "a new daemon after the watchdog")
    took = time.monotonic() - t0
    ct.note(f"SIGSTOP {pid} -> active again as {new} after {took:.1f} s (WatchdogSec {watchdog})")
    assert took < 30 + 3 + 15  # WatchdogSec, RestartSec and a start
    journal = ct.sh(f"journalctl -u {UNIT} -b --no-pager | grep -iE 'watchdog|restart'")
    assert "Watchdog timeout" in journal.stdout
    after = world.wait(
        lambda: world.status_json()["online"] and world.open_sessions(), 15, "the restored session"
    )
    assert [s["id"] for s in after] == [s["id"] for s in before]
    assert after[-1]["started_at"] == before[-1]["started_at"]
    ct.sh(f"journalctl -u {UNIT} -b --no-pager -o cat | grep 'restoring open session'")
    subprocess.run(["ip", "link", "set", world.cable, "down"], check=True)
    world.wait(lambda: not world.open_sessions(), 20, "the session closed")
    ct.sh("link-monitor log")


def test_a_service_group_member_may_use_status_and_permit_and_others_may_not(world):
    ct = world.ct
    ct.sh("usermod -aG link-monitor kenko01")
    assert world.status_json(user="kenko01")["online"] is False
    ct.sh(
        "link-monitor permit --purpose fee-update --company 'ORCA support' "
        "--staff 'Yamada Taro' --for 1h",
        user="kenko01",
    )
    refused = ct.sh("link-monitor status", user="outsider", check=False)
    assert refused.returncode != 0 and "ermission denied" in refused.stdout + refused.stderr
    refused = ct.sh(
        "link-monitor permit --purpose other --note x --company c --staff s --for 1h",
        user="outsider",
        check=False,
    )
    assert refused.returncode != 0


def test_someone_outside_the_service_group_is_refused_in_one_line_without_a_traceback(world):
    for command in ("status", "ack"):
        refused = world.ct.sh(f"link-monitor {command}", user="outsider", check=False)
        assert refused.returncode == 1, refused.stdout + refused.stderr
        assert "Traceback" not in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
        assert "/etc/link-monitor/config.toml" in refused.stderr
        assert "ask IT to add user outsider to the link-monitor group" in refused.stderr


def test_the_register_and_the_socket_are_where_the_readme_says(world):
    ct = world.ct
    ct.sh(
        "ls -ld /var/lib/link-monitor /var/lib/link-monitor/register.db "
        "/run/link-monitor /run/link-monitor/control.sock"
    )
    ct.sh("test -S /run/link-monitor/control.sock && test -s /var/lib/link-monitor/register.db")
    owner = ct.sh("stat -c '%U:%G %a' /var/lib/link-monitor/register.db").stdout.strip()
    assert owner.startswith("link-monitor:link-monitor")
    ct.sh("link-monitor verify")


def test_systemd_analyze_security_rates_the_installed_unit(world):
    done = world.ct.sh(f"systemd-analyze security --no-pager {UNIT} | tail -n 3")
    score = re.search(r"Overall exposure level for \S+: (\d+\.\d+) (\S+)", done.stdout)
    assert score, done.stdout
    world.ct.note(f"systemd-analyze security: {score.group(1)} {score.group(2)}")
    assert float(score.group(1)) <= 2.5


def test_an_upgrade_keeps_config_and_register_and_restarts_the_service(world):
    ct = world.ct
    ct.sh("echo '# edited by IT' >> /etc/link-monitor/config.toml")
    config_before = ct.sh("sha256sum /etc/link-monitor/config.toml").stdout
    sessions_before = world.sessions()
    pid = world.main_pid()
    newer = world.unpack("newer")
    done = ct.sh(f"cd {newer} && ./install.sh upgrade")
    assert f"-> {version_now()}.post1" in done.stdout
    assert ct.sh("sha256sum /etc/link-monitor/config.toml").stdout == config_before
    assert [s["id"] for s in world.sessions()] == [s["id"] for s in sessions_before]
    assert ".post1" in ct.sh("/opt/link-monitor/bin/pip list | grep link-monitor").stdout
    assert world.main_pid() not in (0, pid)
    assert ct.sh(f"systemctl is-active {UNIT}").stdout.strip() == "active"
    ct.sh("link-monitor verify")


def test_uninstall_leaves_no_unit_and_no_process_and_says_where_the_register_is(world):
    ct = world.ct
    here = world.unpack("newer")
    done = ct.sh(f"{here}/install.sh uninstall")
    assert "/var/lib/link-monitor" in done.stdout
    assert ct.sh(f"systemctl cat {UNIT}", check=False).returncode != 0
    listed = ct.sh("systemctl list-unit-files 'link-monitor*' --no-legend", check=False)
    assert listed.stdout.strip() == ""  # exit 1: no such unit file
    assert ct.sh(f"systemctl is-active {UNIT}", check=False).stdout.strip() == "inactive"
    # No process of the service user is left (minbase has no pgrep: read /proc).
    left = ct.sh(
        "u=$(id -u link-monitor); for f in /proc/[0-9]*/status; do "
        "awk -v u=$u -v f=$f '/^Uid:/ && $2 == u {print f}' $f 2>/dev/null; done"
    )
    assert left.stdout.strip() == ""
    assert ct.sh("test -e /opt/link-monitor || echo gone").stdout.strip() == "gone"
    ct.sh("test -s /var/lib/link-monitor/register.db && ls -l /var/lib/link-monitor")


def test_no_container_veth_or_cgroup_is_left_behind(world):
    world.ct.stop()
    assert world.ct.nspawn is not None and world.ct.nspawn.poll() is not None
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=False).stdout
    assert world.cable not in links
    assert not any(
        Path("/sys/fs/cgroup", h, f"sc-{world.ct.name}").exists() for h in ("unified", "systemd")
    )
    assert shutil.which("systemd-nspawn")
