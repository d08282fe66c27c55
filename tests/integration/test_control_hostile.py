"""The control socket answers everything (issue 15): hostile requests get an error
reply naming the problem and log no traceback; idle connections cannot lock anybody
out; a property test fuzzes request lines over a real socket."""

from __future__ import annotations

import asyncio
import json
import logging
import socket

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.control.client import request
from monitor.control.protocol import encode, parse_request, request_id
from tests.integration.test_control_socket import raw_exchange, replies, serve

PERMIT = b'{"cmd":"permit","purpose":"other","company":"C","staff":"S",'

# Each of these got no reply and logged a traceback before issue 15.
HOSTILE = {
    "for-99999999999h": (
        PERMIT + b'"for":"99999999999h"}',
        "for: must be more than 0 and at most 168h",
    ),
    "for-1e308": (PERMIT + b'"for":1e308}', "for: must be more than 0 and at most 168h"),
    "for-Infinity": (PERMIT + b'"for":Infinity}', "for: must be more than 0 and at most 168h"),
    "for-NaN": (PERMIT + b'"for":NaN}', "for: expected a duration"),
    "nested-3000": (b"[" * 3000, "nested too deep (JSON arrays or objects)"),
    "nested-2000-valid": (b"[" * 2000 + b"]" * 2000, "nested too deep"),
    "company-lone-surrogate": (
        b'{"cmd":"permit","purpose":"other","company":"\\ud800","staff":"S"}',
        "company: contains a character UTF-8 cannot hold (a lone surrogate)",
    ),
    "cmd-lone-surrogate": (b'{"cmd":"\\ud800"}', "cmd: unknown command '\\ud800'"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_request_gets_an_error_reply_and_logs_no_traceback(tmp_path, caplog, name):
    line, words = HOSTILE[name]
    run, handler, _ = serve(tmp_path)

    async def body(server, path):
        return await asyncio.to_thread(raw_exchange, path, line + b"\n")

    (reply,) = replies(run(body))
    assert reply["ok"] is False and words in reply["error"], reply
    assert handler.seen == []
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


def test_an_id_utf8_cannot_hold_is_not_echoed_and_the_request_is_answered(tmp_path, caplog):
    run, _, _ = serve(tmp_path)

    async def body(server, path):
        return await asyncio.to_thread(
            raw_exchange, path, b'{"cmd":"status","id":"\\ud800"}\n{"cmd":"status","id":7}\n'
        )

    first, second = replies(run(body))
    assert first == {"ok": True, "online": False, "pattern": "off"}  # no "id": not echoed
    assert second["id"] == 7
    assert not [r for r in caplog.records if r.exc_info]


def test_a_reply_holding_a_lone_surrogate_is_sent_escaped_not_dropped():
    line = encode({"ok": False, "error": "cmd: unknown command \ud800"})
    assert json.loads(line) == {"ok": False, "error": "cmd: unknown command \ud800"}


def test_one_uid_cannot_hold_all_the_slots_with_idle_connections(tmp_path):
    run, _, _ = serve(tmp_path, max_clients=16, max_per_peer=4, read_timeout=5.0)

    async def body(server, path):
        idle = []
        for _ in range(16):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(str(path))
            idle.append(s)
            await asyncio.sleep(0.01)
        held = len(server._open)
        answer = await asyncio.to_thread(request, path, {"cmd": "status"}, timeout=2)
        closed = 0
        for s in idle:
            s.settimeout(1)
            try:
                closed += s.recv(10) == b""
            except TimeoutError:
                pass
            s.close()
        return held, answer, closed, server.evicted

    held, answer, closed, evicted = run(body)
    assert held == 4  # one uid holds at most max_per_peer
    assert answer["ok"] is True
    assert closed == 13 == evicted  # 12 while connecting, 1 for the status request


def test_connections_all_busy_answering_are_not_closed_and_a_newcomer_is_told_busy(tmp_path):
    gate = asyncio.Event()

    async def slow(req, peer):
        await gate.wait()
        return {"pattern": "off"}

    run, _, _ = serve(tmp_path, handler=slow, max_clients=2, max_per_peer=2)

    async def body(server, path):
        first = asyncio.create_task(asyncio.to_thread(raw_exchange, path, b'{"cmd":"status"}\n'))
        second = asyncio.create_task(asyncio.to_thread(raw_exchange, path, b'{"cmd":"status"}\n'))
        await asyncio.sleep(0.2)
        third = await asyncio.to_thread(raw_exchange, path, b'{"cmd":"status"}\n')
        gate.set()
        return third, await first, await second

    third, first, second = run(body)
    assert replies(third) == [
        {
            "ok": False,
            "error": "busy: too many connections from this user (at most 2)",
            "text": {"key": "busy_peer", "values": {"limit": 2}},
        }
    ]
    assert replies(first)[0]["ok"] is True and replies(second)[0]["ok"] is True


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
requests = st.fixed_dictionaries(
    {"cmd": st.sampled_from(["status", "permit", "ack", "reload", "x", ""]) | st.text(max_size=5)},
    optional={
        "purpose": st.sampled_from(["other", "fee-update", "bogus"]) | json_values,
        "company": st.text(max_size=30) | json_values,
        "staff": st.text(max_size=30) | json_values,
        "for": st.sampled_from(["1h", "99999999999h", "0s", "-1"]) | json_values,
        "note": json_values,
        "after_the_fact": json_values,
        "id": json_values,
        "extra": json_values,
    },
).map(lambda d: json.dumps(d, allow_nan=True).encode())
lines = (
    requests
    | st.binary(max_size=200)
    | st.text(max_size=100).map(lambda s: s.encode("utf-8", "surrogatepass"))
    | st.integers(1, 5000).map(lambda n: b"[" * n)
)


def test_property_every_request_line_gets_exactly_one_reply_and_no_traceback(tmp_path, caplog):
    async def answer(req, peer):  # a daemon that works: any traceback is the server's
        return {"pattern": "off"}

    run, _, _ = serve(tmp_path, handler=answer, max_request=8192)

    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
    @given(line=lines)
    def one(line):
        line = line.replace(b"\n", b" ").replace(b"\r", b" ")
        if not line.strip():
            return
        (reply,) = replies(run_sync(line))
        assert isinstance(reply.get("ok"), bool)
        if reply["ok"] is False:
            assert reply["error"]
        # The parser never raises anything but BadRequest, nor the id reader at all.
        try:
            parse_request(line)
        except ValueError:
            pass
        request_id(line)

    results = {}

    async def body(server, path):
        results["path"] = path
        results["loop"] = asyncio.get_running_loop()
        await asyncio.to_thread(one)

    def run_sync(line: bytes) -> bytes:
        return raw_exchange(results["path"], line + b"\n")

    run(body)
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
