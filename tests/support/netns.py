"""Network namespaces for tests: a namespace with a veth pair = a cable we can plug.

    with Netns() as ns:               # unique name, deleted on exit (even on failure)
        ns.veth("eth0", "peer0")      # eth0 is the watched end (admin up), peer0 the far end
        ns.plug("peer0")              # far end up   -> eth0 gets carrier
        ns.unplug("peer0")            # far end down -> eth0 loses carrier
        ns.run("ip", "link", ...)     # any command inside the namespace

    with cable("lmd") as ns:          # the same, set up as the daemon tests' machine:
        ns.plug("peer0")              # eth0 watched, peer0 its far end

Only root can do this: ``require_root`` is a pytest skip with the explicit reason.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from monitor.compat import Self

NOT_ROOT_REASON = "needs root to create network namespaces (ip netns add); CI runs as root"

require_root = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("ip") is None, reason=NOT_ROOT_REASON
)


class Netns:
    """A throw-away network namespace; ``name`` is unique per instance."""

    def __init__(self, prefix: str = "lmt"):
        self.name = f"{prefix}-{os.getpid()}-{secrets.token_hex(3)}"
        self._made = False

    def __enter__(self) -> Self:
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        self._made = True
        self.run("ip", "link", "set", "lo", "up")
        return self

    def __exit__(self, *exc) -> None:
        self.delete()

    def delete(self) -> None:
        if self._made:
            subprocess.run(["ip", "netns", "del", self.name], check=False)
            self._made = False

    @property
    def path(self) -> str:
        return f"/var/run/netns/{self.name}"

    def run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["ip", "netns", "exec", self.name, *argv], check=check, capture_output=True, text=True
        )

    def ip(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["ip", "-n", self.name, *args], check=check, capture_output=True, text=True
        )

    def veth(self, watched: str, peer: str) -> None:
        """Create a veth pair; bring the watched end admin-up (no carrier until plugged)."""
        self.ip("link", "add", "name", watched, "type", "veth", "peer", "name", peer)
        self.ip("link", "set", watched, "up")

    def plug(self, peer: str) -> None:
        self.ip("link", "set", peer, "up")

    def unplug(self, peer: str) -> None:
        self.ip("link", "set", peer, "down")


@contextlib.contextmanager
def cable(prefix: str) -> Iterator[Netns]:
    """Yield a new namespace holding a cable: ``eth0`` (watched, admin up) and ``peer0``
    its far end, unplugged. The namespace is deleted on exit, also when setting it up
    failed half-way."""
    ns = Netns(prefix)
    try:
        ns.__enter__()
        ns.veth("eth0", "peer0")
        yield ns
    finally:
        ns.delete()


def cable_fixture(prefix: str):
    """Return a pytest fixture giving each test its own ``cable(prefix)`` namespace;
    bind it to the fixture's name in the test module: ``ns = cable_fixture("lmd")``."""

    @pytest.fixture
    def ns() -> Iterator[Netns]:
        with cable(prefix) as made:
            yield made

    return ns
