"""What an idle daemon asks of the register costs nothing while nothing changes: the
outbox summary is read again only after a write (of this connection or another), and
the daemon's alive mark is a file time, not a register write. Real SQLite files."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest

from monitor.errors import RegisterError
from monitor.register import Register
from tests.support.register import T0, alert_for


def reads(reg: Register) -> list[str]:
    """Record the statements ``reg``'s connection runs from now on."""
    seen: list[str] = []
    reg._db.set_trace_callback(seen.append)
    return seen


def test_the_outbox_summary_is_read_again_only_after_a_write(tmp_path):
    with Register(tmp_path / "r.db") as reg, Register(tmp_path / "r.db") as other:
        assert reg.outbox_summary()["pending"] == 0
        seen = reads(reg)
        for _ in range(3):
            assert reg.outbox_summary()["pending"] == 0
        assert [s for s in seen if "FROM alerts" in s] == []  # the data_version pragma only

        reg.enqueue_alert(alert_for(None), "t", "b")  # a write of this connection
        assert reg.outbox_summary()["pending"] == 1

        (row,) = other.claim_due_alerts(T0, 1)  # writes of another connection (a child)
        other.record_attempt(row.id, False, "refused", 0.1, T0 + timedelta(minutes=1), None)
        summary = reg.outbox_summary()
        assert (summary["pending"], summary["failed"], summary["last_error"]) == (1, 1, "refused")
        other.record_attempt(row.id, True, None, 0.1, None, T0 + timedelta(minutes=1))
        assert reg.outbox_summary()["pending"] == 0


def test_a_summary_handed_out_cannot_change_the_one_kept(tmp_path):
    with Register(tmp_path / "r.db") as reg:
        reg.outbox_summary()["pending"] = 99
        assert reg.outbox_summary()["pending"] == 0


def test_last_seen_is_the_later_of_the_stored_heartbeat_and_the_alive_mark(tmp_path):
    path = tmp_path / "r.db"
    with Register(path) as reg:
        assert reg.last_seen() is None
        reg.mark_alive(T0)
        assert reg.last_seen() == T0
        reg.set_last_seen(T0 + timedelta(minutes=1))
        assert reg.last_seen() == T0 + timedelta(minutes=1)
        reg.mark_alive(T0 + timedelta(minutes=5))
        with contextlib.closing(Register.open_readonly(path)) as reader:
            assert reader.last_seen() == T0 + timedelta(minutes=5)
            with pytest.raises(RegisterError, match="read-only"):
                reader.mark_alive(T0)
        assert reg.alive_path == tmp_path / "r.db.alive" and reg.alive_path.stat().st_size == 0


def test_an_alive_mark_that_cannot_be_set_is_a_register_error_naming_the_file(tmp_path):
    with Register(tmp_path / "r.db") as reg:
        # A link into a folder that does not exist: neither set nor created.
        reg.alive_path.symlink_to(tmp_path / "missing" / "x")
        with pytest.raises(RegisterError, match=r"r\.db\.alive: cannot mark the monitor alive"):
            reg.mark_alive(T0)
        assert reg.last_seen() is None  # a mark that is not there is no sign of life
