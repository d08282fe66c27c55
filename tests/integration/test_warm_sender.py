"""The send child started ahead (``ChildSender.warm``): real children
(``python -m monitor.jobs``) and a real SMTP server on loopback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from monitor.children.sender import ChildSender
from monitor.config import Alerts
from monitor.errors import NotifyError
from tests.support.smtp import SmtpServer

ROOT = Path(__file__).resolve().parents[2]


def children() -> list[psutil.Process]:
    return psutil.Process().children()


def test_a_warm_child_sends_the_next_alert_without_a_new_process(monkeypatch):
    with SmtpServer() as smtp:
        sender = ChildSender(Alerts(urls=(smtp.url,)))
        sender.warm()
        assert sender.warmed
        [child] = children()
        # From here no new child could start: the mail can only come from the warm one.
        monkeypatch.setattr(sys, "executable", "/nonexistent/python")
        [d] = sender.deliver("[clinic-hours] 接続を検知", "一行目", severity="critical")
        [got] = smtp.wait_for(1, timeout=10)
    assert d.ok and str(got.message["subject"]) == "[clinic-hours] 接続を検知"
    assert not sender.warmed and not child.is_running()
    assert sender.loaded and sender.urls == [d.url]


def test_warm_twice_keeps_one_child_and_cool_lets_it_go():
    sender = ChildSender(Alerts(urls=("mailto://127.0.0.1:9?from=a@example.jp&to=b@example.jp",)))
    sender.warm()
    sender.warm()
    [child] = children()
    sender.cool()
    assert not sender.warmed and not child.is_running() and children() == []


def test_a_warm_child_that_died_is_replaced_by_a_cold_start():
    with SmtpServer() as smtp:
        sender = ChildSender(Alerts(urls=(smtp.url,)))
        sender.warm()
        [child] = children()
        child.kill()
        child.wait(5)
        [d] = sender.deliver("[monitor] t", "b")
        smtp.wait_for(1, timeout=10)
    assert d.ok and children() == []


def test_kill_ends_the_waiting_child_and_warm_then_does_nothing():
    sender = ChildSender(Alerts(urls=("mailto://127.0.0.1:9?from=a@example.jp&to=b@example.jp",)))
    sender.warm()
    [child] = children()
    sender.kill()
    assert not child.is_running()
    sender.warm()
    assert children() == [] and not sender.warmed
    with pytest.raises(NotifyError, match="stopping"):
        sender.deliver("[monitor] t", "b")


def test_without_any_destination_no_child_is_started_ahead():
    sender = ChildSender(Alerts())
    sender.warm()
    assert children() == [] and not sender.warmed


def test_a_warm_child_let_go_ends_without_a_word_and_a_one_shot_request_still_works():
    warm = {"op": "warm", "alerts": {"urls": [], "config": None, "credential": None}}
    done = subprocess.run(
        [sys.executable, "-m", "monitor.jobs"],
        check=False,
        input=(json.dumps(warm) + "\n").encode(),
        capture_output=True,
        cwd=ROOT,
        timeout=60,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")
    # The request over several lines (not one of ours, but a request all the same).
    urls = {"op": "urls", "urls": ["nosuchscheme://what"]}
    done = subprocess.run(
        [sys.executable, "-m", "monitor.jobs"],
        check=False,
        input=json.dumps(urls, indent=1).encode(),
        capture_output=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["problems"][0][0] == "alerts.urls"


def test_the_send_child_imports_neither_pydantic_nor_the_config():
    probe = (
        "import sys, monitor.jobs, monitor.alerts.sender;"
        "print(sorted(m for m in sys.modules if m.startswith(('pydantic', 'monitor.config'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        check=False,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.stdout.strip() == "[]", done.stderr
