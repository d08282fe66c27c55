"""The uevent parser and the sysfs reader on captured and documented inputs
(tests/fixtures/uevents.py, tests/fixtures/sysfs_trees.py)."""

from __future__ import annotations

from datetime import datetime

import pytest

from monitor.compat import UTC
from monitor.domain.media import MediaAction
from monitor.media import BadUevent, MediaWatcher, parse_uevent, present_media, read_medium
from tests.fixtures import sysfs_trees, uevents

AT = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)


@pytest.fixture
def sys_root(tmp_path):
    root = tmp_path / "sys"
    for name in sysfs_trees.TREES:
        sysfs_trees.build(root, name)
    return root


def test_captured_loop_add_is_a_whole_disk_with_its_numbers():
    event = parse_uevent(uevents.LOOP_ADD)
    assert (event.action, event.devpath) == ("add", "/devices/virtual/block/loop213")
    assert (event.subsystem, event.devtype, event.devname, event.devnum) == (
        "block",
        "disk",
        "loop213",
        "7:213",
    )
    assert event.is_disk
    assert event.env["DISKSEQ"] == "11"


def test_captured_bdi_add_and_partition_add_are_not_disks():
    assert not parse_uevent(uevents.LOOP_BDI_ADD).is_disk
    assert not parse_uevent(uevents.STICK_PART_ADD).is_disk
    assert not parse_uevent(uevents.UAS_INTERFACE_ADD).is_disk


def test_captured_loop_remove_is_a_disk_removal():
    event = parse_uevent(uevents.LOOP_REMOVE)
    assert (event.action, event.is_disk, event.devname) == ("remove", True, "loop213")


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (uevents.UDEV_MESSAGE, "udevd message"),
        (b"ACTION=add\0SUBSYSTEM=block\0", "no ACTION@DEVPATH header"),
        (b"add@/devices/x\0ACTION=add\0garbage\0", "not a KEY=VALUE pair: 'garbage'"),
        (b"", "no ACTION@DEVPATH header"),
    ],
)
def test_a_datagram_that_is_not_a_kernel_uevent_is_refused_with_the_reason(data, problem):
    with pytest.raises(BadUevent, match=problem):
        parse_uevent(data)


def test_undecodable_bytes_in_a_value_do_not_lose_the_event():
    data = uevents.STICK_ADD.replace(b"DEVNAME=sdb", b"DEVNAME=sdb\0X_VENDOR=\xff\xfe")
    assert parse_uevent(data).devname == "sdb"


def test_usb_storage_stick_is_read_from_its_usb_device(sys_root):
    m = read_medium(sys_root, "sdb", "8:16")
    assert m is not None
    assert (m.driver, m.usb, m.removable) == ("usb-storage", True, True)
    assert (m.vendor, m.model, m.serial) == ("SanDisk", "Cruzer Blade", "4C530001230125117313")
    assert m.size_bytes == 30031872 * 512
    assert m.counts and m.ident == "4C530001230125117313"


def test_uas_stick_counts_as_usb_even_when_it_says_it_is_fixed(sys_root):
    m = read_medium(sys_root, "sdc", "8:32")
    assert m is not None
    assert (m.driver, m.usb, m.removable, m.counts) == ("uas", True, False, True)
    assert (m.vendor, m.model, m.serial) == ("Samsung", "Flash Drive FIT", "0374220110006421")


def test_card_reader_slot_with_a_card_counts_and_an_empty_slot_does_not(sys_root):
    card = read_medium(sys_root, "sdd", "8:48")
    empty = read_medium(sys_root, "sde", "8:64")
    assert card is not None and empty is not None
    assert card.usb and card.removable and card.counts
    assert card.serial == empty.serial == "000000001536"
    assert (empty.size_bytes, empty.counts) == (0, False)


def test_internal_disk_is_not_usb_and_does_not_count(sys_root):
    m = read_medium(sys_root, "nvme0n1", "259:0")
    assert m is not None
    assert (m.driver, m.usb, m.removable, m.counts) == ("", False, False, False)
    assert m.model == "Samsung SSD 970 EVO Plus 1TB"


def test_a_disk_gone_from_sysfs_reads_as_none(sys_root):
    assert read_medium(sys_root, "sdz", "8:208") is None


def test_present_media_lists_only_what_counts(sys_root):
    assert [m.device for m in present_media(sys_root)] == ["sdb", "sdc", "sdd"]


def test_watcher_reads_an_add_from_sysfs_and_reports_the_removal_with_what_it_knew(sys_root):
    w = MediaWatcher(root=sys_root, now=lambda: AT)
    inserted = w.handle(uevents.STICK_ADD)
    assert inserted is not None
    assert inserted.action is MediaAction.INSERTED
    assert inserted.medium.serial == "4C530001230125117313"
    assert w.handle(uevents.STICK_PART_ADD) is None  # a partition: not a medium of its own
    removed = w.handle(uevents.STICK_REMOVE)
    assert removed is not None
    assert (removed.action, removed.medium) == (MediaAction.REMOVED, inserted.medium)
    assert w.status()["events"] == 2 and w.status()["ignored"] == 1


def test_watcher_skips_a_bad_datagram_and_counts_it(sys_root):
    w = MediaWatcher(root=sys_root, now=lambda: AT)
    assert w.handle(b"nonsense") is None
    assert w.status()["bad"] == 1


def test_captured_loop_add_is_classified_as_not_usb(sys_root, tmp_path):
    # The loop device is not in the fixture tree: sysfs has nothing, the event is dropped.
    w = MediaWatcher(root=sys_root, now=lambda: AT)
    assert w.handle(uevents.LOOP_ADD) is None
    removed = w.handle(uevents.LOOP_REMOVE)
    assert removed is not None and not removed.medium.usb and not removed.medium.counts


def test_a_card_put_into_a_readers_empty_slot_is_an_insertion_and_taking_it_out_a_removal(
    sys_root,
):
    w = MediaWatcher(root=sys_root, now=lambda: AT)
    found = {o.medium.device: o for o in w.present()}
    assert not found["sde"].medium.counts  # the empty slot
    size = sys_root / "block" / "sde" / "size"
    size.write_text("31116288\n")
    inserted = w.handle(uevents.READER_MEDIA_CHANGE)
    assert inserted is not None and inserted.action is MediaAction.INSERTED
    assert inserted.medium.counts and inserted.medium.size_bytes == 31116288 * 512
    assert w.handle(uevents.READER_MEDIA_CHANGE) is None  # nothing changed since
    size.write_text("0\n")
    removed = w.handle(uevents.READER_MEDIA_CHANGE)
    assert removed is not None and removed.action is MediaAction.REMOVED
    assert removed.medium == inserted.medium  # as it was known
