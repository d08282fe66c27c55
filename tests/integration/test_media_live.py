"""The media watcher on the real kernel: a loop device added, attached with losetup,
detached and removed by the test sends real uevents on the NETLINK_KOBJECT_UEVENT
socket, read without udevd. A loop device is not USB: the watcher reports it, read
from the real sysfs, and classifies it as not counting (the engine ignores it)."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from monitor.domain.media import MediaAction
from monitor.media import MediaWatcher

LOOP_CTL_ADD = 0x4C80
LOOP_CTL_REMOVE = 0x4C81

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not os.path.exists("/dev/loop-control") or not shutil.which("losetup"),
    reason="needs root, /dev/loop-control and losetup to make the kernel send block uevents",
)


@contextlib.contextmanager
def loop_control():
    fd = os.open("/dev/loop-control", os.O_RDWR)
    try:
        yield fd
    finally:
        os.close(fd)


async def run(*argv: str, check: bool = True) -> None:
    await asyncio.to_thread(subprocess.run, argv, check=check)


def add_loop(fd: int) -> int:
    """Create a new loop device (a number nothing uses); return its number."""
    for number in range(230, 250):
        try:
            return fcntl.ioctl(fd, LOOP_CTL_ADD, number)
        except OSError as exc:
            if exc.errno != errno.EEXIST:
                raise
    raise AssertionError("no free loop number in 230..249")


async def next_of(watcher: MediaWatcher, device: str, action: MediaAction, changes):
    async def wait():
        async for obs in changes:
            if obs.medium.device == device and obs.action is action:
                return obs
        raise AssertionError("the stream ended")

    return await asyncio.wait_for(wait(), 10)


def test_a_real_loop_device_arrives_and_leaves_as_uevents_and_is_not_usb(tmp_path):
    backing = tmp_path / "backing.img"
    backing.write_bytes(b"\0" * (4 << 20))

    async def scenario():
        watcher = MediaWatcher()
        present = await watcher.start()
        assert all(not p.medium.usb for p in present if p.medium.device.startswith("loop"))
        changes = watcher.changes()
        number, made = None, None
        try:
            with loop_control() as fd:
                number = add_loop(fd)
                device = f"loop{number}"
                added = await next_of(watcher, device, MediaAction.INSERTED, changes)
                node = Path(f"/dev/{device}")
                if not node.exists():  # no devtmpfs in this container: make the node
                    os.mknod(node, 0o600 | 0o060000, os.makedev(7, number))
                    made = node
                await run("losetup", str(node), str(backing))
                assert Path(f"/sys/block/{device}/loop/backing_file").read_text().strip() == str(
                    backing
                )
                await run("losetup", "-d", str(node))
                fcntl.ioctl(fd, LOOP_CTL_REMOVE, number)
                number = None
                removed = await next_of(watcher, device, MediaAction.REMOVED, changes)
        finally:
            if number is not None:
                with contextlib.suppress(Exception), loop_control() as fd:
                    await run("losetup", "-d", f"/dev/loop{number}", check=False)
                    fcntl.ioctl(fd, LOOP_CTL_REMOVE, number)
            if made is not None:
                made.unlink(missing_ok=True)
            await watcher.close()
        return added, removed, watcher.status()

    added, removed, status = asyncio.run(scenario())
    assert added.medium.devnum.startswith("7:")
    assert (added.medium.usb, added.medium.driver, added.medium.removable) == (False, "", False)
    assert not added.medium.counts
    assert removed.medium == added.medium  # what was known at add
    assert status["events"] >= 2 and status["bad"] == 0 and status["open"] is False
