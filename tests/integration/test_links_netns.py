"""Link watchers against the real kernel, in a throw-away network namespace.

The namespace holds a veth pair: the watched end (admin up) and its peer, toggled
as the far end of the cable. The netlink watcher runs inside the namespace through
pyroute2 ``netns=`` (``flags=0``); the poll watcher, which only sees its own
namespace, runs as ``link-monitor watch`` under ``ip netns exec``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from monitor.config import Link
from monitor.domain.model import LinkObserved
from monitor.errors import WatcherError
from monitor.links import LinkWatcher, PollWatcher, build_watcher
from tests.support.netns import Netns, require_root

pytestmark = [pytest.mark.netns]
ROOT = Path(__file__).parents[2]


def reality(ns: Netns) -> dict[str, bool]:
    """Return {name: online} from `ip -j link` (independent of our parser)."""
    links = json.loads(ns.ip("-j", "link", "show").stdout)
    return {
        link["ifname"]: "LOWER_UP" in link["flags"]
        and "UP" in link["flags"]
        and link.get("operstate") in ("UP", "UNKNOWN")
        for link in links
    }


async def next_change(changes: AsyncIterator[LinkObserved], timeout: float = 3.0) -> LinkObserved:
    return await asyncio.wait_for(anext(changes), timeout)


async def collect(changes: AsyncIterator[LinkObserved], quiet: float = 0.5) -> list[LinkObserved]:
    """Return every report until none has come for ``quiet`` seconds."""
    out = []
    while True:
        try:
            out.append(await asyncio.wait_for(anext(changes), quiet))
        except asyncio.TimeoutError:  # the builtin TimeoutError on 3.11+, not on 3.10
            return out


async def started(link: Link, ns: Netns, **kwargs) -> tuple[LinkWatcher, list[LinkObserved]]:
    watcher = build_watcher(link, netns=ns.name, **kwargs)
    return watcher, await watcher.start()


def last_by_name(reports: list[LinkObserved]) -> dict[str, LinkObserved]:
    return {r.interface: r for r in reports}


@require_root
def test_every_toggle_of_the_peer_is_reported_once():
    async def scenario(ns: Netns) -> None:
        ns.veth("eth0", "peer0")
        watcher, current = await started(Link(interfaces=("eth*",)), ns)
        try:
            assert [(o.interface, o.online, o.admin_up) for o in current] == [("eth0", False, True)]
            changes = aiter(watcher.changes())
            seen = []
            for _ in range(5):
                ns.plug("peer0")
                seen.append(await next_change(changes))
                ns.unplug("peer0")
                seen.append(await next_change(changes))
            seen += await collect(changes, quiet=0.3)  # nothing extra may follow
            assert [(r.interface, r.online) for r in seen] == [("eth0", True), ("eth0", False)] * 5
            assert all(r.present and r.at.tzinfo is not None for r in seen)
            assert watcher.status()["resyncs"] == 0
        finally:
            await watcher.close()

    with Netns() as ns:
        asyncio.run(scenario(ns))


@require_root
def test_hot_plugged_matching_interface_is_watched_from_its_appearance():
    async def scenario(ns: Netns) -> None:
        watcher, current = await started(Link(interfaces=("usb*",)), ns)
        try:
            assert current == []
            changes = aiter(watcher.changes())
            ns.veth("usb0", "phone0")  # a tethered phone's interface turns up, no carrier yet
            appeared = await next_change(changes)
            assert (appeared.interface, appeared.online, appeared.present) == ("usb0", False, True)
            ns.plug("phone0")
            online = await next_change(changes)
            assert (online.interface, online.online, online.carrier, online.operstate) == (
                "usb0",
                True,
                True,
                "up",
            )
            assert watcher.status()["online"] == ["usb0"]
        finally:
            await watcher.close()

    with Netns() as ns:
        asyncio.run(scenario(ns))


@require_root
def test_removed_interface_is_reported_offline_and_not_present():
    async def scenario(ns: Netns) -> None:
        ns.veth("eth0", "peer0")
        ns.plug("peer0")
        watcher, current = await started(Link(interfaces=("eth*",)), ns)
        try:
            assert [(o.interface, o.online) for o in current] == [("eth0", True)]
            changes = aiter(watcher.changes())
            ns.ip("link", "del", "eth0")  # the USB NIC is pulled out
            reports = [await next_change(changes)] + await collect(changes, quiet=0.3)
            # the kernel closes the device (admin down: offline), then deletes it
            assert [(r.interface, r.online, r.present) for r in reports] == [
                ("eth0", False, True),
                ("eth0", False, False),
            ]
            assert watcher.status()["watching"] == []
        finally:
            await watcher.close()

    with Netns() as ns:
        asyncio.run(scenario(ns))


@require_root
def test_renamed_interface_is_followed_by_index():
    async def scenario(ns: Netns) -> None:
        ns.veth("eth0", "peer0")
        watcher, current = await started(Link(interfaces=("eth*",)), ns)
        try:
            (eth0,) = current
            changes = aiter(watcher.changes())
            ns.ip("link", "set", "eth0", "down")
            ns.ip("link", "set", "eth0", "name", "eth1")
            ns.ip("link", "set", "eth1", "up")
            ns.plug("peer0")
            reports = await collect(changes)
            assert [(r.interface, r.index, r.present, r.online) for r in reports] == [
                ("eth0", eth0.index, False, False),
                ("eth1", eth0.index, True, False),
                ("eth1", eth0.index, True, True),
            ]
        finally:
            await watcher.close()

    with Netns() as ns:
        asyncio.run(scenario(ns))


@require_root
def test_ignored_names_are_never_reported():
    async def scenario(ns: Netns) -> None:
        ns.veth("eth0", "box0")  # box0: the link to the indicator box, matched by "*"
        ns.ip("link", "set", "box0", "up")
        link = Link(interfaces=("*",), ignore=("lo", "box*"))
        watcher, current = await started(link, ns)
        try:
            assert [o.interface for o in current] == ["eth0"]
            changes = aiter(watcher.changes())
            ns.ip("link", "set", "eth0", "down")
            ns.ip("link", "set", "eth0", "up")
            ns.ip("link", "set", "box0", "down")
            ns.ip("link", "set", "box0", "up")
            ns.ip("link", "add", "box1", "type", "veth", "peer", "name", "eth5")
            ns.ip("link", "del", "box1")
            reports = await collect(changes)
            assert reports, "the eth0 toggles must be reported"
            assert {r.interface for r in reports} <= {"eth0", "eth5"}
            assert not any(r.interface.startswith("box") for r in reports)
        finally:
            await watcher.close()

    with Netns() as ns:
        asyncio.run(scenario(ns))


@require_root
def test_burst_of_toggles_ends_with_a_report_matching_reality():
    toggles = 25  # odd: starting unplugged, the burst ends plugged

    async def scenario(ns: Netns) -> None:
        ns.veth("eth0", "peer0")
        watcher, _ = await started(Link(interfaces=("eth*",)), ns)
        try:
            changes = aiter(watcher.changes())
            batch = "".join(
                f"link set peer0 {'up' if i % 2 == 0 else 'down'}\n" for i in range(toggles)
            )
            began = time.monotonic()
            # blocking on purpose: the whole burst is over before the watcher reads
            subprocess.run(  # noqa: ASYNC221
                ["ip", "-n", ns.name, "-batch", "-"],
                input=batch,
                text=True,
                check=True,
            )
            elapsed = time.monotonic() - began
            reports = await collect(changes)
            truth = reality(ns)["eth0"]
            assert truth is True
            assert reports, f"no report for a burst of {toggles} toggles in {elapsed:.3f}s"
            assert reports[-1].online is truth
            # every report is a change: consecutive reports never repeat a state
            states = [False] + [r.online for r in reports]
            assert all(a != b for a, b in itertools.pairwise(states))
            assert watcher.status()["online"] == ["eth0"]
        finally:
            await watcher.close()

    with Netns() as ns:
        asyncio.run(scenario(ns))


@require_root
def test_receive_buffer_overflow_is_recovered_by_resync():
    """ENOBUFS for real: a tiny SO_RCVBUF and a burst of changes while the loop is blocked."""

    async def scenario(ns: Netns) -> None:
        ns.veth("eth0", "peer0")
        link = Link(interfaces=("eth*", "usb*"))
        watcher, current = await started(link, ns, rcvbuf=4096)
        try:
            assert [(o.interface, o.online) for o in current] == [("eth0", False)]
            changes = aiter(watcher.changes())
            # The blocking subprocess keeps the event loop from reading the socket,
            # so the kernel drops events once the small buffer is full.
            batch = "".join(
                f"link add usb{i} type veth peer name up{i}\n"
                f"link set usb{i} up\nlink set up{i} up\n"
                for i in range(40)
            )
            batch += "".join(f"link del usb{i}\n" for i in range(0, 40, 2))
            batch += "link set peer0 up\n"
            subprocess.run(  # noqa: ASYNC221
                ["ip", "-n", ns.name, "-batch", "-"],
                input=batch,
                text=True,
                check=True,
            )
            reports = await collect(changes, quiet=1.0)
            status = watcher.status()
            assert status["resyncs"] >= 1, status
            assert "ENOBUFS" in status["last_error"]
            truth = {name: online for name, online in reality(ns).items() if link.watches(name)}
            assert sorted(status["watching"]) == sorted(truth)
            assert sorted(status["online"]) == sorted(n for n, up in truth.items() if up)
            # what a consumer of the reports believes is reality too (no change lost)
            believed = {name: r.online for name, r in last_by_name(reports).items() if r.present}
            believed.setdefault("eth0", False)
            assert believed == truth
        finally:
            await watcher.close()

    with Netns() as ns:
        asyncio.run(scenario(ns))


@require_root
def test_opening_a_namespace_never_signals_our_own_process():
    """Regression: pyroute2's netns= forks and SIGTERMs the child, which our loop heard."""

    async def scenario(ns: Netns) -> list[int]:
        heard: list[int] = []
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, heard.append, signal.SIGTERM)
        try:
            for _ in range(30):
                watcher, _current = await started(Link(interfaces=("eth*",)), ns)
                await watcher.close()
            await asyncio.sleep(0.1)
        finally:
            loop.remove_signal_handler(signal.SIGTERM)
        return heard

    with Netns() as ns:
        ns.veth("eth0", "peer0")
        assert asyncio.run(scenario(ns)) == []


@require_root
def test_missing_namespace_is_an_error_and_is_not_created():
    async def scenario() -> None:
        watcher = build_watcher(Link(), netns="lmt-no-such-namespace")
        with pytest.raises(WatcherError, match="does not exist"):
            await watcher.start()

    asyncio.run(scenario())
    assert not Path("/var/run/netns/lmt-no-such-namespace").exists()


def test_poll_method_refuses_another_namespace():
    with pytest.raises(WatcherError, match="own network namespace"):
        build_watcher(Link(method="poll"), netns="elsewhere")


def test_poll_watcher_reads_the_host_interfaces_it_is_given():
    import psutil

    stats = psutil.net_if_stats()
    assert "lo" in stats

    async def scenario() -> list[LinkObserved]:
        watcher = PollWatcher(Link(interfaces=("lo",), ignore=()), interval=0.05)
        try:
            return await watcher.start()
        finally:
            await watcher.close()

    (lo,) = asyncio.run(scenario())
    assert (lo.interface, lo.index) == ("lo", __import__("socket").if_nametoindex("lo"))
    assert lo.online is stats["lo"].isup and lo.carrier is None


@require_root
def test_poll_watcher_sees_plug_and_unplug_inside_a_namespace(tmp_path):
    config = tmp_path / "poll.toml"
    config.write_text('[link]\ninterfaces = ["eth*"]\nmethod = "poll"\npoll_interval = "50ms"\n')
    with Netns() as ns:
        ns.veth("eth0", "peer0")
        proc = subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                ns.name,
                sys.executable,
                "-m",
                "monitor",
                "watch",
                "--config",
                str(config),
                "--json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        try:
            first = json.loads(proc.stdout.readline())
            assert (first["interface"], first["online"], first["event"]) == ("eth0", False, "state")
            ns.plug("peer0")
            up = json.loads(proc.stdout.readline())
            ns.unplug("peer0")
            down = json.loads(proc.stdout.readline())
            assert [(r["interface"], r["online"], r["carrier"]) for r in (up, down)] == [
                ("eth0", True, None),
                ("eth0", False, None),
            ]
        finally:
            proc.terminate()
            _out, err = proc.communicate(timeout=10)
        assert proc.returncode == 0, err


TRAFFIC_PROBE = """
import json, socket, sys, time
from monitor.links import traffic
before = traffic(["eth0", "peer0", "nope0"])
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    for _ in range(3):
        s.sendto(b"x" * 200, ("10.77.0.9", 9))  # not local: out through eth0 (ARP first)
time.sleep(0.3)
print(json.dumps([before, traffic(["eth0", "peer0"])]))
"""


@require_root
def test_traffic_counts_bytes_sent_and_received_per_interface():
    with Netns() as ns:
        ns.veth("eth0", "peer0")
        ns.plug("peer0")
        ns.ip("addr", "add", "10.77.0.1/24", "dev", "eth0")
        out = ns.run("env", f"PYTHONPATH={ROOT}", sys.executable, "-c", TRAFFIC_PROBE).stdout
        before, after = json.loads(out)
        assert set(before) == {"eth0", "peer0"}  # a missing interface is left out
        assert after["eth0"][0] > before["eth0"][0]  # eth0 sent
        assert after["peer0"][1] > before["peer0"][1]  # the far end received
