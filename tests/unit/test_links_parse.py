"""The netlink adapter and the link table, fed with real kernel messages.

``tests/fixtures/netlink_links.json`` holds datagrams captured byte for byte from a
namespace by ``tests/fixtures/capture_netlink_links.py`` (each step: the ``ip``
commands run, a one-line summary per message, the raw hex).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pyroute2.netlink.rtnl.marshal import MarshalRtnl

from monitor.compat import UTC
from monitor.config import Link
from monitor.domain.model import LinkObserved
from monitor.links import LinkTable, observe_message

FIXTURE = Path(__file__).parents[1] / "fixtures" / "netlink_links.json"
T0 = datetime(2025, 4, 1, 1, 0, tzinfo=UTC)


def messages(step: str) -> list:
    """Return the pyroute2 messages the kernel sent in one captured step, in order."""
    steps = {s["step"]: s for s in json.loads(FIXTURE.read_text())["steps"]}
    marshal = MarshalRtnl()
    return [
        msg for hexdata in steps[step]["datagrams"] for msg in marshal.parse(bytes.fromhex(hexdata))
    ]


def observations(step: str) -> list[LinkObserved]:
    out = []
    for i, msg in enumerate(messages(step)):
        obs = observe_message(msg, T0 + timedelta(milliseconds=i))
        if obs is not None:
            out.append(obs)
    return out


def table_after(*steps: str, link: Link) -> tuple[LinkTable, list[list[LinkObserved]]]:
    """Feed the dump then each step to a fresh table; return it and the reports per step."""
    table = LinkTable(link)
    table.reconcile(observations("dump"), T0)
    reports = []
    for step in steps:
        reports.append([r for obs in observations(step) for r in table.apply(obs)])
    return table, reports


ETH = Link(interfaces=("eth*",), ignore=("lo",))


def by_name(observed: list[LinkObserved]) -> dict[str, LinkObserved]:
    return {o.interface: o for o in observed}


def test_dump_gives_carrier_operstate_and_admin_flag_of_each_interface():
    dump = by_name(observations("dump"))
    assert sorted(dump) == ["eth0", "lo", "peer0"]
    eth0 = dump["eth0"]
    assert (eth0.index, eth0.online, eth0.carrier, eth0.operstate, eth0.admin_up) == (
        3,
        False,
        False,
        "lowerlayerdown",
        True,
    )
    assert eth0.present and eth0.at.tzinfo is not None


def test_admin_down_interface_with_carrier_is_offline():
    lo = by_name(observations("dump"))["lo"]  # namespace loopback: carrier 1, admin down
    assert lo.carrier is True and lo.admin_up is False
    assert lo.online is False


def test_carrier_without_operstate_up_is_not_yet_online():
    first_peer_msg = observations("plug")[0]
    assert (first_peer_msg.interface, first_peer_msg.carrier, first_peer_msg.operstate) == (
        "peer0",
        True,
        "lowerlayerdown",
    )
    assert first_peer_msg.online is False


def test_plugging_the_peer_reports_eth0_online_exactly_once():
    _table, (plug,) = table_after("plug", link=ETH)
    assert [(r.interface, r.online, r.carrier, r.operstate) for r in plug] == [
        ("eth0", True, True, "up")
    ]


def test_unplug_and_replug_each_report_one_change():
    _table, (plug, unplug, replug) = table_after("plug", "unplug", "replug", link=ETH)
    assert [(r.interface, r.online) for r in plug + unplug + replug] == [
        ("eth0", True),
        ("eth0", False),
        ("eth0", True),
    ]
    assert unplug[0].operstate == "lowerlayerdown" and unplug[0].carrier is False


def test_admin_down_reports_offline_with_admin_flag_cleared():
    _table, reports = table_after("plug", "admin-down", link=ETH)
    (down,) = reports[1]
    assert (down.interface, down.online, down.admin_up, down.operstate) == (
        "eth0",
        False,
        False,
        "down",
    )


def test_rename_is_followed_by_index_old_name_vanishes_new_name_appears():
    table, reports = table_after("plug", "admin-down", "rename", link=ETH)
    gone, appeared = reports[2]
    assert (gone.interface, gone.index, gone.present, gone.online) == ("eth0", 3, False, False)
    assert (appeared.interface, appeared.index, appeared.present) == ("eth9", 3, True)
    assert [o.interface for o in table.watched()] == ["eth9"]


def test_rename_to_an_unwatched_name_reports_only_the_vanishing():
    table, reports = table_after("plug", "admin-down", "rename", link=Link(interfaces=("eth0",)))
    assert [(r.interface, r.present) for r in reports[2]] == [("eth0", False)]
    assert table.watched() == []


def test_removal_reports_the_interface_offline_and_not_present_once():
    table, reports = table_after("plug", "admin-down", "rename", "remove", link=ETH)
    dellink = [o for o in observations("remove") if not o.present]
    assert {o.interface for o in dellink} == {"eth9", "peer0"}
    (gone,) = reports[3]
    assert (gone.interface, gone.online, gone.present, gone.operstate) == (
        "eth9",
        False,
        False,
        "notpresent",
    )
    assert table.watched() == []


def test_hot_plugged_interface_is_watched_from_its_appearance():
    _table, reports = table_after("hotplug-unknown", link=Link(interfaces=("usb*",)))
    assert [(r.interface, r.online, r.operstate) for r in reports[0]] == [
        ("usb0", False, "down"),  # appears admin down
        ("usb0", True, "unknown"),  # up: carrier, operstate unknown (no operstate driver)
    ]


def test_bridge_port_messages_are_not_link_changes():
    bridge_msgs = [m for m in messages("bridge-port") if m["family"] == 7]
    assert any(m["header"]["type"] == 17 for m in bridge_msgs)  # RTM_DELLINK, AF_BRIDGE
    assert all(observe_message(m, T0) is None for m in bridge_msgs)
    _table, reports = table_after("hotplug-unknown", "bridge-port", link=Link(interfaces=("usb*",)))
    assert reports[1] == []  # usb0 joined and left br0: still there, still online


def test_ignored_names_are_never_reported_even_when_a_pattern_matches():
    link = Link(interfaces=("*",), ignore=("lo", "peer*"))
    table, reports = table_after("plug", "unplug", "remove", link=link)
    reported = {r.interface for step in reports for r in step}
    assert reported == {"eth0"}
    assert all(o.interface != "peer0" for o in table.watched())


def test_reconcile_reports_every_difference_between_belief_and_a_dump():
    table, _ = table_after("plug", link=ETH)  # belief: eth0 online
    later = T0 + timedelta(seconds=5)
    reports = table.reconcile(observations("dump"), later)  # reality: eth0 offline
    assert [(r.interface, r.online) for r in reports] == [("eth0", False)]
    assert table.reconcile(observations("dump"), later) == []  # nothing left to report
    gone = table.reconcile([], later)
    assert [(r.interface, r.present, r.at) for r in gone] == [("eth0", False, later)]


def test_reconcile_sees_an_interface_replaced_under_the_same_name():
    table, _ = table_after(link=ETH)
    old = by_name(observations("dump"))["eth0"]
    new = LinkObserved("eth0", 7, True, True, "up", True, T0)
    reports = table.reconcile([new], T0)
    assert [(r.interface, r.index, r.present, r.online) for r in reports] == [
        ("eth0", old.index, False, False),
        ("eth0", 7, True, True),
    ]


@pytest.mark.parametrize("obs", observations("plug"))
def test_observation_serializes_to_json_with_iso_time(obs):
    data = json.loads(json.dumps(obs.as_dict()))
    assert datetime.fromisoformat(data["at"]) == obs.at
    assert (data["interface"], data["online"], data["carrier"], data["operstate"]) == (
        obs.interface,
        obs.online,
        obs.carrier,
        obs.operstate,
    )
