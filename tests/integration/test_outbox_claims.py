"""No stale leases, retries on the monotonic clock (issue 13): the real outbox worker over
a real register, a sender that records (or fails, or blocks) in this process, a wall
clock the test moves.

- a claim of a dead instance is taken over at start, not after its lease;
- a claim whose send child still runs is taken over as soon as the child ends;
- a link coming up makes a claimed alert due: another process's stale claim, and an
  attempt of ours that fails while the link comes up;
- a wall clock set back two hours holds no retry back, and the order stays.
"""

from __future__ import annotations

import asyncio
import subprocess
import threading
from datetime import datetime, timedelta

import pytest

from monitor.alerts.outbox import OutboxWorker
from monitor.compat import UTC
from monitor.domain.delivery import Delivery
from monitor.domain.enums import AlertKind
from monitor.register import Register
from tests.integration.test_alerts_smtp import alerts_config, make_alert, running, until

URL = "json://localhost/"


class Sender:
    """Records each send; fails when ``failing`` as the send begins; blocks while
    ``gate`` is not set."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.failing = False
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()
        self.loaded = True
        self.problems: list = []
        self.urls = [URL]

    @property
    def services(self) -> list[str]:
        return self.urls

    def deliver(self, title, body, *, severity="warning", skip=(), receipt=None):
        fail = self.failing  # as things stand when the attempt begins
        self.entered.set()
        self.gate.wait(10)
        if fail:
            return [Delivery(0, URL, False, "connection refused", False)]
        self.sent.append(title)
        return [Delivery(0, URL, True)]


class WallClock:
    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@pytest.fixture
def register(tmp_path):
    with Register(tmp_path / "register.db") as reg:
        yield reg


def queue_claimed_by_dead_instance(register: Register, pid: int | None = None) -> int:
    now = datetime.now(UTC)
    alert_id = register.enqueue_alert(make_alert(now), "[clinic-hours] t", "b")
    assert register.claim_alert(alert_id, "dead-instance", now, timedelta(minutes=2))
    if pid is not None:
        assert register.fence_send(alert_id, "dead-instance", pid)
    return alert_id


def test_a_claimed_alert_of_a_dead_instance_is_taken_over_at_start(register):
    alert_id = queue_claimed_by_dead_instance(register)
    sender = Sender()

    async def scenario():
        worker = OutboxWorker(register, alerts_config(URL), sender=sender)
        async with running(worker):
            await until(lambda: register.alert(alert_id).delivered_at, 3, "delivered")
        return worker.instance

    instance = asyncio.run(scenario())
    assert len(sender.sent) == 1  # at once, not after the two-minute lease
    assert instance != "dead-instance"
    assert register.alert(alert_id).claim_token is None


def test_a_claim_whose_send_child_still_runs_is_taken_over_when_the_child_ends(register):
    child = subprocess.Popen(["sleep", "30"])  # stands for the old instance's send child
    try:
        alert_id = queue_claimed_by_dead_instance(register, pid=child.pid)
        sender = Sender()

        async def scenario():
            worker = OutboxWorker(register, alerts_config(URL), sender=sender)
            async with running(worker):
                await asyncio.sleep(0.5)
                assert sender.sent == []  # the child may be sending it: wait
                status = worker.status()
                assert status["waiting_for_children"] == {str(alert_id): child.pid}
                child.kill()
                child.wait()
                await until(lambda: register.alert(alert_id).delivered_at, 3, "delivered")

        asyncio.run(scenario())
        assert len(sender.sent) == 1
    finally:
        child.kill()
        child.wait()


def test_a_link_up_makes_a_claimed_alert_due(register):
    sender = Sender()

    async def scenario():
        worker = OutboxWorker(register, alerts_config(URL), sender=sender)
        async with running(worker):
            await asyncio.sleep(0.2)  # started: the take-over at start is done
            # Another process claimed it meanwhile and died (its lease: two minutes).
            alert_id = queue_claimed_by_dead_instance(register)
            worker.kick()
            await asyncio.sleep(0.5)
            assert sender.sent == []  # held by the claim
            worker.link_up()
            await until(lambda: register.alert(alert_id).delivered_at, 2, "delivered")

    asyncio.run(scenario())
    assert len(sender.sent) == 1


def test_an_attempt_that_fails_while_the_link_comes_up_is_tried_again_at_once(register):
    sender = Sender()
    sender.failing = True
    sender.gate.clear()

    async def scenario():
        # retry_first 60 s: without the link-up the next attempt is a minute away.
        worker = OutboxWorker(register, alerts_config(URL, first="60s", cap="5m"), sender=sender)
        async with running(worker):
            alert_id = worker.enqueue(make_alert(datetime.now(UTC)))
            await asyncio.to_thread(sender.entered.wait, 5)  # claimed, in flight
            worker.link_up()
            sender.failing = False  # the link is up now: the next attempt gets through
            sender.gate.set()  # the attempt in flight fails (it began before the link)
            await until(lambda: register.alert(alert_id).delivered_at, 3, "delivered")
            return alert_id

    alert_id = asyncio.run(scenario())
    assert register.alert(alert_id).attempts == 2


def test_a_wall_clock_set_back_two_hours_holds_no_retry_back(register):
    sender = Sender()
    sender.failing = True
    clock = WallClock()

    async def scenario():
        worker = OutboxWorker(
            register, alerts_config(URL, first="300ms", cap="2s"), sender=sender, clock=clock
        )
        async with running(worker):
            started = datetime.now(UTC)
            clinic = worker.enqueue(make_alert(started))
            await until(lambda: register.alert(clinic).attempts == 1, 3, "the first attempt")
            clock.offset = timedelta(hours=-2)  # someone sets the clock back
            resolved = worker.enqueue(make_alert(started, AlertKind.RESOLVED))
            sender.failing = False
            await until(lambda: len(sender.sent) == 2, 5, "both alerts, within seconds")
            return clinic, resolved

    clinic, _ = asyncio.run(scenario())
    # The retry of the clinic-hours alert was due 300 ms later on the monotonic clock,
    # and a session's alerts leave in order: the resolved one does not overtake it.
    assert [t.split("]")[0] for t in sender.sent] == ["[clinic-hours", "[resolved"]
    assert all(a["duration_s"] >= 0 for a in register.attempts(clinic))
