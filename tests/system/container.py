"""A Debian rootfs booted with systemd as PID 1 (systemd-nspawn), for the system tier.

    rootfs = ensure_rootfs("bookworm")            # debootstrap once, cached
    with Container(rootfs, "lmt-bookworm") as ct:   # boots; stops and cleans up on exit
        ct.sh("systemctl is-system-running")       # a shell command inside, as root
        ct.add_cable("eth1")                       # a veth pair: eth1 inside, returns host end

Facts from ``../shared/recipes/systemd-container.sh`` (found on this kind of machine:
root in a container, no systemd on the host, cgroup v1 hybrid): no machined, so
``--register=no --keep-unit`` and ``nsenter`` instead of ``systemctl -M``; a
read-only console (a full pty blocked PID 1 once); ``SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1``
and ``--system-call-filter=bpf`` or IPAddressDeny= and DevicePolicy= are not enforced;
``--volatile=overlay`` throws every write away, so one cached rootfs serves every boot.
Everything started here is stopped by its PID; veths and cgroups made here are removed.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path

from monitor.compat import Self

CACHE = Path(os.environ.get("LINK_MONITOR_TEST_CACHE", "/var/cache/link-monitor-test"))
PACKAGES = "systemd,systemd-sysv,dbus,python3,python3-venv,iproute2"
PYTHON_OF = {"bookworm": "3.11", "trixie": "3.13"}
CGROUP_HIERARCHIES = ("unified", "systemd")
CLEAN_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": "/root",
    "LANG": "C.UTF-8",
    "TERM": "dumb",
}


class ContainerError(Exception):
    """The container could not be made or booted (the message says why)."""


def debian_mirror() -> str:
    """The Debian mirror apt on this machine already uses."""
    for sources in Path("/etc/apt/sources.list.d").glob("*.sources"):
        for line in sources.read_text().splitlines():
            if line.startswith("URIs:") and "security" not in line:
                return line.split()[1]
    listing = Path("/etc/apt/sources.list")
    if listing.exists():
        for line in listing.read_text().splitlines():
            if line.startswith("deb "):
                return line.split()[1]
    return "http://deb.debian.org/debian"


def ensure_rootfs(suite: str, log: Path) -> Path:
    """Return a minimal Debian ``suite`` with systemd, python3, python3-venv and iproute2
    under CACHE, made with debootstrap the first time (about a minute)."""
    done = CACHE / suite
    if (done / "usr" / "bin" / "python3").exists():
        return done
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = CACHE / f"{suite}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    with open(log, "a") as out:
        made = subprocess.run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={PACKAGES}",
                suite,
                str(partial),
                debian_mirror(),
            ],
            stdout=out,
            stderr=out,
            check=False,
        )
    if made.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        raise ContainerError(f"debootstrap {suite} failed (exit {made.returncode}); see {log}")
    partial.rename(done)
    return done


class Container:
    """One boot of a rootfs (writes thrown away), with its own network namespace."""

    def __init__(self, rootfs: Path, name: str, binds: dict[Path, str], log: Path):
        self.rootfs, self.name, self.binds, self.log = rootfs, name, binds, log
        self.nspawn: subprocess.Popen[bytes] | None = None
        self.leader = 0
        self._console: object = None
        self._veths: list[str] = []

    # -------------------------------------------------------------- boot and stop

    def __enter__(self) -> Self:
        try:
            self.boot()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _cgroup(self, hierarchy: str) -> Path:
        return Path("/sys/fs/cgroup") / hierarchy / f"sc-{self.name}"

    def _move_self(self, to_container: bool) -> None:
        for hierarchy in CGROUP_HIERARCHIES:
            base = Path("/sys/fs/cgroup") / hierarchy
            if not base.is_dir():
                continue
            target = self._cgroup(hierarchy) if to_container else base
            target.mkdir(exist_ok=True)
            (target / "cgroup.procs").write_text(str(os.getpid()))

    def boot(self, timeout: float = 60) -> None:
        """Boot; return once systemd answers (``is-system-running --wait``)."""
        cmd = [
            "systemd-nspawn",
            "-D",
            str(self.rootfs),
            "-b",
            f"--machine={self.name}",
            "--register=no",
            "--keep-unit",
            "--console=read-only",
            "--private-network",
            "--volatile=overlay",
            "--system-call-filter=bpf",
            "--capability=CAP_BPF,CAP_PERFMON,CAP_NET_ADMIN",
        ]
        cmd += [f"--bind-ro={host}:{inside}" for host, inside in self.binds.items()]
        env = dict(os.environ, SYSTEMD_NSPAWN_UNIFIED_HIERARCHY="1")
        self._console = open(self.log.with_suffix(".console"), "wb")  # noqa: SIM115 - closed in stop()
        # nspawn's scope goes to its own cgroup (cleaned up in stop()); we move back at once.
        self._move_self(True)
        try:
            self.nspawn = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=self._console,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        finally:
            self._move_self(False)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.nspawn.poll() is not None:
                raise ContainerError(
                    f"systemd-nspawn exited ({self.nspawn.returncode}): "
                    f"{self.log.with_suffix('.console')}"
                )
            self.leader = self._leader_pid()
            if self.leader and Path(f"/proc/{self.leader}/root/run/systemd/private").exists():
                break
            time.sleep(0.05)
        else:
            raise ContainerError(f"no systemd in the container after {timeout:.0f} s")
        self.sh("timeout 60 systemctl is-system-running --wait", check=False)

    def _leader_pid(self) -> int:
        assert self.nspawn is not None
        out = subprocess.run(
            ["pgrep", "-P", str(self.nspawn.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        return int(out[0]) if out else 0

    def stop(self) -> None:
        """Halt cleanly (SIGTERM to nspawn), then SIGKILL if needed; remove veths, cgroups."""
        for veth in self._veths:
            subprocess.run(["ip", "link", "del", veth], capture_output=True, check=False)
        self._veths.clear()
        if self.nspawn is not None and self.nspawn.poll() is None:
            self.nspawn.send_signal(signal.SIGTERM)
            try:
                self.nspawn.wait(30)
            except subprocess.TimeoutExpired:
                self.nspawn.kill()
                self.nspawn.wait(10)
        if self.leader:
            for _ in range(100):
                if not Path(f"/proc/{self.leader}").exists():
                    break
                time.sleep(0.05)
        for hierarchy in CGROUP_HIERARCHIES:
            top = self._cgroup(hierarchy)
            if top.is_dir():
                for sub in sorted(top.rglob("*"), key=lambda p: len(p.parts), reverse=True):
                    if sub.is_dir():
                        sub.rmdir()
                top.rmdir()
        if self._console is not None:
            self._console.close()  # type: ignore[attr-defined]
            self._console = None

    # -------------------------------------------------------------- inside

    def sh(
        self,
        command: str,
        *,
        check: bool = True,
        timeout: float = 300,
        user: str | None = None,
        quiet: bool = False,
    ) -> subprocess.CompletedProcess[str]:
        """Run ``command`` (sh -c) inside, as root or ``user``; log it and what it printed
        (not when ``quiet``: a polling loop)."""
        inner = ["sh", "-c", command]
        if user:
            inner = ["runuser", "-u", user, "--", *inner]
        argv = [
            "nsenter",
            "-t",
            str(self.leader),
            "-a",
            "env",
            "-i",
            *(f"{k}={v}" for k, v in CLEAN_ENV.items()),
            *inner,
        ]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
        who = f"{user}$" if user else "#"
        with open(self.log if not quiet else os.devnull, "a") as out:
            out.write(f"{who} {command}\n{done.stdout}{done.stderr}[exit {done.returncode}]\n\n")
        if check and done.returncode != 0:
            raise AssertionError(
                f"in the container: {command!r} exited {done.returncode}:\n"
                f"{done.stdout}{done.stderr}"
            )
        return done

    def note(self, text: str) -> None:
        with open(self.log, "a") as out:
            out.write(f"## {text}\n")

    def add_cable(self, inside: str) -> str:
        """Make a veth pair, move one end into the container as ``inside`` (admin up);
        return the host end's name: ``ip link set HOST up/down`` plugs and unplugs."""
        host, moved = f"lmh{os.getpid() % 100000}", f"lmc{os.getpid() % 100000}"
        subprocess.run(
            ["ip", "link", "add", moved, "type", "veth", "peer", "name", host], check=True
        )
        self._veths.append(host)
        subprocess.run(
            ["ip", "link", "set", moved, "netns", f"/proc/{self.leader}/ns/net"], check=True
        )
        self.sh(
            f"ip link set {shlex.quote(moved)} name {shlex.quote(inside)} && "
            f"ip link set {shlex.quote(inside)} up"
        )
        return host
