"""The child processes of ``monitor.children``: real children (``python -m monitor.jobs``),
a real SMTP server on loopback, the real holiday library in the child and here."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date, datetime
from pathlib import Path

import pytest

from monitor import jobs
from monitor.alerts.outbox import OutboxWorker
from monitor.children import runner
from monitor.children.check import check
from monitor.children.holidays import PreloadedHolidays
from monitor.children.sender import ChildSender
from monitor.compat import UTC
from monitor.config import Alerts, parse_config_text
from monitor.errors import ConfigError, NotifyError, OffloadError
from monitor.jobs import local_holidays
from monitor.register import Register
from monitor.schedule import Schedule
from tests.integration.test_alerts_smtp import make_alert, running, until
from tests.support.smtp import SmtpServer, free_port

ROOT = Path(__file__).resolve().parents[2]

GOOD = """
timezone = "Asia/Tokyo"
[calendar]
country = "JP"
[alerts]
urls = ["mailto://127.0.0.1:2525?from=a@example.jp&to=b@example.jp"]
"""


def test_the_child_computes_the_same_holiday_tables_as_the_library_here():
    config = parse_config_text(GOOD)
    tables = check(parse_config_text(GOOD), GOOD, "good.toml", [2026, 2027])
    assert sorted(tables) == [2026, 2027]
    for year in (2026, 2027):
        assert tables[year] == local_holidays(config)(year)
    assert tables[2026][date(2026, 1, 1)] == "元日"
    assert tables[2026][date(2026, 5, 6)] == "振替休日"  # 憲法記念日 fell on a Sunday
    assert jobs.local_holidays(config)(2027) == tables[2027]  # the commands' in-process source


BAD_LIBRARY_KEYS = """
[calendar]
country = "XX"
[alerts]
urls = ["nosuchscheme://what"]
"""


def test_the_children_report_the_problems_that_need_the_heavy_libraries():
    config = parse_config_text(BAD_LIBRARY_KEYS, "bad.toml")  # parses: shape only
    with pytest.raises(ConfigError) as caught:
        check(config, BAD_LIBRARY_KEYS, "bad.toml", [2026])
    assert caught.value.source == "bad.toml"
    country, urls = (str(p) for p in caught.value.problems)
    assert country.startswith(
        "calendar.country: unknown country 'XX': use \"\" for none, or one of"
    )
    assert ", JP, " in country  # the valid choices are named
    assert urls == "alerts.urls: apprise cannot parse urls[0] 'nosuchscheme://what'"
    # The same messages as a full check in one process (check-config).
    with pytest.raises(ConfigError) as full:
        jobs.check_text(BAD_LIBRARY_KEYS, "bad.toml")
    assert sorted(map(str, full.value.problems)) == sorted(map(str, caught.value.problems))


def test_a_config_that_does_not_parse_is_checked_in_full_by_one_child():
    text = BAD_LIBRARY_KEYS + '[limits]\nmax_session = "soon"\n'
    with pytest.raises(ConfigError) as shallow:
        parse_config_text(text, "bad.toml")
    assert {p.path for p in shallow.value.problems} == {"limits.max_session"}
    with pytest.raises(ConfigError) as caught:
        check(None, text, "bad.toml", [2026])
    assert {p.path for p in caught.value.problems} == {
        "calendar.country",
        "alerts.urls",
        "limits.max_session",
    }


def test_the_daemon_loads_a_config_whose_library_checks_fail_with_every_problem(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(BAD_LIBRARY_KEYS)
    with pytest.raises(ConfigError) as caught:
        jobs.load_checked(path, datetime.now(UTC))
    assert {p.path for p in caught.value.problems} == {"calendar.country", "alerts.urls"}
    path.write_text(GOOD)
    config, source, holidays = jobs.load_checked(path, datetime.now(UTC))
    assert source == str(path) and config.alerts.urls
    assert isinstance(holidays, PreloadedHolidays)
    now = datetime.now(UTC)
    assert holidays.years == list(range(now.year - 1, now.year + 3))
    assert holidays(now.year)  # fetched at load: no child for this year


def test_the_shape_parse_imports_neither_holidays_nor_apprise_and_the_check_imports_both():
    code = (
        "import sys; from monitor.config import parse_config_text as p; "
        "from monitor.jobs import check_text; "
        f"p({GOOD!r}) if sys.argv[1] == 'shape' else check_text({GOOD!r}, 'good.toml'); "
        "print(sorted(m for m in ('holidays', 'apprise') if m in sys.modules))"
    )
    seen = {}
    for mode in ("shape", "full"):
        out = subprocess.run(
            [sys.executable, "-c", code, mode],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
            timeout=60,
        )
        seen[mode] = json.loads(out.stdout.replace("'", '"'))
    assert seen == {"shape": [], "full": ["apprise", "holidays"]}


def test_a_child_that_fails_is_an_offload_error_naming_why():
    with pytest.raises(OffloadError, match=r"exited with status 2: monitor.jobs: bad request"):
        runner.run({"op": "no-such-op"}, 30, "test")


def test_ensure_fetches_the_missing_years_from_one_new_child():
    config = parse_config_text(GOOD)
    source = jobs.holiday_source(config, {})
    source.ensure(range(2030, 2035))
    assert source.years == [2030, 2031, 2032, 2033, 2034]  # one child for five years
    assert source(2031) == local_holidays(config)(2031)
    schedule = Schedule(config, holidays=source)
    assert schedule.holiday_name(date(2031, 2, 11)) == "建国記念の日"


def test_ensure_falls_back_to_this_process_when_no_child_can_run(monkeypatch, caplog):
    config = parse_config_text(GOOD)
    source = jobs.holiday_source(config, {})
    monkeypatch.setattr(sys, "executable", "/bin/false")
    source.ensure([2030])
    assert source(2030) == local_holidays(config)(2030)
    assert "computing the holidays of 2030 in this process instead" in caplog.text
    assert "exited with status 1" in caplog.text


def test_a_year_not_loaded_ahead_is_computed_here_and_never_starts_a_process(monkeypatch, caplog):
    config = parse_config_text(GOOD)
    source = jobs.holiday_source(config, {})
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")  # a child would fail
    assert source(2030) == local_holidays(config)(2030)
    assert "the holidays of 2030 were not loaded ahead" in caplog.text
    assert caplog.messages == [
        "the holidays of 2030 were not loaded ahead; computing them in this process"
    ]


def test_missing_names_next_years_table_a_month_before_new_year():
    config = parse_config_text(GOOD)
    loaded = {year: {} for year in (2025, 2026, 2027, 2028)}  # years_around(mid-2026)
    source = PreloadedHolidays(
        loaded, fetch=lambda years: {y: {} for y in years}, compute=lambda year: {}
    )
    assert source.missing(datetime(2026, 11, 20, tzinfo=UTC)) == []
    assert source.missing(datetime(2026, 12, 15, tzinfo=UTC)) == [2029]
    source.ensure([2029])
    assert source.missing(datetime(2026, 12, 15, tzinfo=UTC)) == []
    assert source.missing(datetime(2027, 12, 15, tzinfo=UTC)) == [2030]
    assert jobs.holiday_source(config, loaded).missing(datetime(2026, 6, 1, tzinfo=UTC)) == []


def test_a_year_the_child_left_out_is_computed_here_so_it_is_not_asked_again():
    computed = []
    source = PreloadedHolidays(
        {}, fetch=lambda years: {2030: {}}, compute=lambda year: computed.append(year) or {}
    )
    source.ensure([2030, 2031])
    assert source.years == [2030, 2031] and computed == [2031]


def test_the_child_sender_delivers_a_japanese_mail_to_a_real_server():
    with SmtpServer() as smtp:
        sender = ChildSender(Alerts(urls=(smtp.url,)))
        assert sender.loaded is False
        [d] = sender.deliver(
            "[clinic-hours] 診療時間中にネットワーク接続を検知",
            "一行目\n二行目",
            severity="critical",
        )
        [got] = smtp.wait_for(1, timeout=5)
    assert d.ok and d.index == 0 and d.error == ""
    assert str(got.message["subject"]) == "[clinic-hours] 診療時間中にネットワーク接続を検知"
    assert "一行目\n二行目" in got.message.get_content().replace("\r\n", "\n")
    assert sender.loaded is True
    assert sender.urls == [d.url] and d.url.startswith("mailto://127.0.0.1")


def test_the_child_sender_reports_a_server_that_is_down_as_transient():
    sender = ChildSender(
        Alerts(urls=(f"mailto://127.0.0.1:{free_port()}?from=a@example.jp&to=b@example.jp",))
    )
    [d] = sender.deliver("[monitor] t", "b")
    assert not d.ok and not d.permanent
    assert "Connection refused" in d.error


def test_the_child_sender_with_no_destination_is_a_permanent_failure_naming_the_source(tmp_path):
    sender = ChildSender(Alerts(config=tmp_path / "missing.yml"))
    with pytest.raises(NotifyError) as caught:
        sender.deliver("[monitor] t", "b")
    assert caught.value.permanent
    assert "no alert destination configured" in str(caught.value)
    assert sender.problems and sender.problems[0][0] == f"alerts.config {tmp_path}/missing.yml"


def test_a_send_that_hangs_is_killed_with_its_child_and_retried_later():
    with socket.socket() as silent:  # accepts connections, never greets: SMTP hangs
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        sender = ChildSender(
            Alerts(urls=(f"mailto://127.0.0.1:{port}?from=a@example.jp&to=b@example.jp",)),
            timeout=3.0,
        )
        t0 = time.monotonic()
        with pytest.raises(NotifyError) as caught:
            sender.deliver("[monitor] t", "b")
        took = time.monotonic() - t0
    assert not caught.value.permanent
    assert "gave no answer within 3 s and was killed" in str(caught.value)
    assert took < 10


def test_the_outbox_worker_delivers_through_children_and_shows_their_destinations(tmp_path):

    async def scenario(smtp, register):
        alerts = Alerts(urls=(smtp.url,), retry_first="300ms", retry_max="2s")
        worker = OutboxWorker(register, alerts, sender=ChildSender(alerts))
        before = worker.status()
        assert before["sender_loaded"] is False and before["destinations"] == 1
        async with running(worker):
            worker.enqueue(make_alert(datetime.now(UTC)))
            await until(lambda: len(smtp.messages) == 1, 15, "the mail")
            await until(lambda: worker.status()["pending"] == 0, 5, "the row delivered")
            # The child records the delivery itself, before its answer reaches us.
            await until(lambda: worker.status()["sender_loaded"], 5, "the child's answer")
        after = worker.status()
        assert after["sender_loaded"] is True and after["destinations"] == 1
        assert after["problems"] == [] and after["last_error"] is None

    with SmtpServer() as smtp, Register(tmp_path / "register.db") as register:
        asyncio.run(scenario(smtp, register))


def test_kill_ends_a_send_in_progress_at_once_and_refuses_new_ones():
    with socket.socket() as silent:  # accepts connections, never greets: SMTP hangs
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        sender = ChildSender(
            Alerts(urls=(f"mailto://127.0.0.1:{port}?from=a@example.jp&to=b@example.jp",))
        )
        outcome: list[BaseException] = []

        def send():
            try:
                sender.deliver("[monitor] t", "b")
            except NotifyError as exc:
                outcome.append(exc)

        thread = threading.Thread(target=send)
        thread.start()
        time.sleep(1.5)  # the child is up and waiting for the server's greeting
        t0 = time.monotonic()
        sender.kill()
        thread.join(10)
        took = time.monotonic() - t0
    assert not thread.is_alive() and took < 2
    [exc] = outcome
    assert not exc.permanent and "exited with status -9" in str(exc)
    with pytest.raises(NotifyError, match="stopping"):
        sender.deliver("[monitor] t", "b")


def test_at_stop_a_send_the_server_accepted_finishes_instead_of_being_sent_twice():
    """``systemctl stop``: SIGTERM to every process of the service, then the daemon's
    ``kill(grace)``. A child whose mail the server accepted (held before its answer to
    QUIT, so not yet recorded) finishes: it ignores SIGTERM, and kill waits for it."""
    with SmtpServer(hold="quit") as smtp:
        sender = ChildSender(Alerts(urls=(smtp.url,)))
        outcome: list = []
        thread = threading.Thread(target=lambda: outcome.append(sender.deliver("[monitor] t", "b")))
        thread.start()
        assert smtp.held.wait(30), "the server never got the mail"
        [child] = list(sender._running)
        child.send_signal(signal.SIGTERM)  # what systemd sends to the whole service
        t0 = time.monotonic()
        killing = threading.Thread(target=sender.kill, args=(10.0,))
        killing.start()
        time.sleep(0.5)
        assert child.poll() is None and killing.is_alive()  # still finishing its send
        smtp.release.set()
        killing.join(10)
        thread.join(10)
        took = time.monotonic() - t0
    assert not killing.is_alive() and not thread.is_alive() and 0.5 <= took < 5
    [[delivery]] = outcome
    assert delivery.ok and len(smtp.messages) == 1
    with pytest.raises(NotifyError, match="stopping"):
        sender.deliver("[monitor] t", "b")


def test_without_any_destination_no_child_is_started_and_the_failure_is_permanent(monkeypatch):
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")  # a child would fail
    sender = ChildSender(Alerts())
    with pytest.raises(NotifyError) as caught:
        sender.deliver("[monitor] t", "b")
    assert caught.value.permanent
    assert str(caught.value) == (
        "no alert destination configured (alerts.urls, alerts.config, alerts.credential)"
    )
    assert sender.loaded and sender.urls == [] and sender.problems == []
