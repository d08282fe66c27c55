"""The control protocol over a real Unix socket in a temporary directory."""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import socket
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.control.client import request
from monitor.control.errors import BadRequest, DaemonError, DaemonNotRunning
from monitor.control.protocol import (
    AckRequest,
    Peer,
    PermitRequest,
    ReloadRequest,
    StatusRequest,
    parse_request,
)
from monitor.control.server import ControlServer
from monitor.domain.enums import Purpose
from monitor.errors import ControlError, MonitorError


class Recorder:
    """A handler that answers like a tiny daemon and remembers what it was asked."""

    def __init__(self):
        self.seen: list[tuple[object, Peer]] = []

    async def __call__(self, req, peer):
        self.seen.append((req, peer))
        if isinstance(req, StatusRequest):
            return {"online": False, "pattern": "off"}
        if isinstance(req, PermitRequest):
            return {"granted_by": peer.user, "purpose": req.purpose.value}
        if isinstance(req, ReloadRequest):
            raise MonitorError("config rejected: limits.max_session: bad duration")
        if isinstance(req, AckRequest):
            raise RuntimeError("indicator exploded")  # noqa: TRY004 - an unexpected failure
        return {}


def serve(tmp_path: Path, handler=None, **kw):
    """Run ``body(server, path)`` in a fresh loop with a started server; return its result."""
    path = tmp_path / "run" / "sub" / "control.sock"
    handler = handler or Recorder()

    def runner(body):
        async def main():
            server = ControlServer(path, handler, **kw)
            await server.start()
            try:
                return await body(server, path)
            finally:
                await server.close()

        return asyncio.run(main())

    return runner, handler, path


def raw_exchange(path: Path, data: bytes, timeout: float = 3.0) -> bytes:
    """Send raw bytes, half-close, return everything the server answered."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(str(path))
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server hung up first (busy, oversized): read what it said
        out = b""
        while chunk := s.recv(65536):
            out += chunk
        return out


def replies(raw: bytes) -> list[dict]:
    return [json.loads(line) for line in raw.splitlines() if line.strip()]


# ----------------------------------------------------------------------------- parsing


def test_a_full_permit_request_parses_into_typed_fields():
    req = parse_request(
        json.dumps(
            {
                "cmd": "permit",
                "purpose": "fee-update",
                "company": " 医療システム株式会社 ",
                "staff": "山田",
                "for": "1h30m",
                "note": "点数表更新",
                "after_the_fact": True,
            }
        )
    )
    assert req == PermitRequest(
        Purpose.FEE_UPDATE,
        "医療システム株式会社",
        "山田",
        timedelta(hours=1, minutes=30),
        "点数表更新",
        True,
    )


@pytest.mark.parametrize(
    "line, words",
    [
        (b"{not json", "not a JSON line"),
        (b"\xff\xfe", "not a JSON line"),
        (b"[1, 2]", "expected a JSON object"),
        (b'{"cmd": 5}', "cmd: required"),
        (b'{"cmd": "reboot"}', "unknown command 'reboot'"),
        (b'{"cmd": "status", "verbose": true}', "unknown field(s) verbose"),
        (
            b'{"cmd": "permit", "purpose": "fun", "company": "C", "staff": "S"}',
            "purpose: got 'fun'",
        ),
        (
            b'{"cmd": "permit", "purpose": "other", "company": 7, "staff": "S"}',
            "company: expected a string",
        ),
        (
            b'{"cmd": "permit", "purpose": "other", "company": "  ", "staff": "S"}',
            "company: must not be empty",
        ),
        (b'{"cmd": "permit", "purpose": "other", "company": "C"}', "staff: required"),
        (
            b'{"cmd": "permit", "purpose": "other", "company": "C", "staff": "S", "for": "soon"}',
            "for: expected a duration",
        ),
        (
            b'{"cmd": "permit", "purpose": "other", "company": "C", "staff": "S", "for": "30d"}',
            "for: expected a duration",
        ),
        (
            b'{"cmd": "permit", "purpose": "other", "company": "C", "staff": "S", "for": "200h"}',
            "for: must be more than 0 and at most 168h",
        ),
        (
            b'{"cmd": "permit", "purpose": "other", "company": "C", "staff": "S", "for": true}',
            "for: expected a duration",
        ),
        (
            (
                b'{"cmd": "permit", "purpose": "other", "company": "C", "staff": "S", '
                b'"after_the_fact": "yes"}'
            ),
            "after_the_fact: expected true or false",
        ),
        (
            b'{"cmd": "permit", "purpose": "other", "company": "C\\u0000", "staff": "S"}',
            "company: contains control characters",
        ),
    ],
)
def test_bad_request_lines_are_refused_with_a_reason_naming_the_field(line, words):
    with pytest.raises(BadRequest) as exc:
        parse_request(line)
    assert words in str(exc.value)


# ------------------------------------------------------------------------------ socket


def test_status_round_trip_over_the_socket_with_the_request_id_echoed(tmp_path):
    run, handler, _ = serve(tmp_path)

    async def body(server, path):
        return await asyncio.to_thread(request, path, {"cmd": "status", "id": 7})

    reply = run(body)
    assert reply == {"ok": True, "online": False, "pattern": "off", "id": 7}
    assert isinstance(handler.seen[0][0], StatusRequest)


def test_socket_is_mode_0660_in_a_created_parent_directory_and_removed_on_close(tmp_path):
    run, _, path = serve(tmp_path)

    async def body(server, path):
        st = os.stat(path)
        return stat.S_ISSOCK(st.st_mode), stat.S_IMODE(st.st_mode)

    is_sock, mode = run(body)
    assert is_sock
    assert mode == 0o660
    assert path.parent.is_dir()
    assert not path.exists()


def test_permit_grantor_is_the_callers_user_from_peer_credentials(tmp_path):
    run, handler, _ = serve(tmp_path)

    async def body(server, path):
        return await asyncio.to_thread(
            request,
            path,
            {"cmd": "permit", "purpose": "remote-maintenance", "company": "C", "staff": "S"},
        )

    reply = run(body)
    me = pwd.getpwuid(os.getuid()).pw_name
    assert reply["granted_by"] == me
    req, peer = handler.seen[0]
    assert peer.uid == os.getuid() and peer.pid == os.getpid() and peer.user == me
    assert req.expected == timedelta(hours=1)  # the default when "for" is omitted


def test_a_stale_socket_file_is_replaced(tmp_path):
    path = tmp_path / "run" / "sub" / "control.sock"
    path.parent.mkdir(parents=True)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))
    stale.close()  # the file stays, nobody listens: what a kill -9 leaves behind
    run, _, _ = serve(tmp_path)

    async def body(server, path):
        return await asyncio.to_thread(request, path, {"cmd": "status"})

    assert run(body)["ok"] is True


def test_a_second_server_refuses_to_steal_a_live_socket(tmp_path):
    run, _, _ = serve(tmp_path)

    async def body(server, path):
        other = ControlServer(path, Recorder())
        with pytest.raises(ControlError, match="another link-monitor is running"):
            await other.start()
        return await asyncio.to_thread(request, path, {"cmd": "status"})

    assert run(body)["ok"] is True


def test_a_regular_file_in_the_way_is_not_replaced(tmp_path):
    path = tmp_path / "control.sock"
    path.write_text("not a socket")

    async def main():
        with pytest.raises(ControlError, match="is not a socket"):
            await ControlServer(path, Recorder()).start()

    asyncio.run(main())
    assert path.read_text() == "not a socket"


def test_garbage_lines_get_error_replies_and_the_conversation_goes_on(tmp_path):
    run, handler, _ = serve(tmp_path)

    async def body(server, path):
        data = (
            b"hello\n"
            b'{"cmd": "dance"}\n'
            b"\n"
            b'{"cmd": "status", "id": "x"}\n'
            b'{"cmd": "permit", "purpose": 1}\n'
        )
        return await asyncio.to_thread(raw_exchange, path, data)

    out = replies(run(body))
    assert [r["ok"] for r in out] == [False, False, True, False]
    assert "not a JSON line" in out[0]["error"]
    assert "unknown command 'dance'" in out[1]["error"]
    assert out[2]["id"] == "x"
    assert "purpose" in out[3]["error"]
    assert len(handler.seen) == 1


TOO_LONG = {
    "ok": False,
    "error": "request too long (more than 256 bytes)",
    "text": {"key": "too_long", "values": {"limit": 256}},
}


def test_an_oversized_line_gets_an_error_and_the_server_keeps_serving(tmp_path):
    run, _, _ = serve(tmp_path, max_request=256)

    async def body(server, path):
        big = b'{"cmd": "status", "pad": "' + b"x" * 100_000 + b'"}\n'
        first = await asyncio.to_thread(raw_exchange, path, big)
        no_newline = await asyncio.to_thread(raw_exchange, path, b"y" * 300)
        after = await asyncio.to_thread(request, path, {"cmd": "status"})
        return first, no_newline, after

    first, no_newline, after = run(body)
    assert replies(first) == [TOO_LONG]
    assert replies(no_newline) == [TOO_LONG]
    assert after["ok"] is True


def test_a_request_of_exactly_max_request_bytes_is_accepted(tmp_path):
    run, _, _ = serve(tmp_path, max_request=256)
    line = b'{"cmd": "status", "id": "' + b"z" * 0 + b'"}'
    line = line[:-2] + b"z" * (256 - len(line)) + b'"}'
    assert len(line) == 256

    async def body(server, path):
        return await asyncio.to_thread(raw_exchange, path, line + b"\n")

    assert replies(run(body))[0]["ok"] is True


def test_a_silent_client_is_dropped_after_the_read_timeout(tmp_path):
    run, _, _ = serve(tmp_path, read_timeout=0.2)

    async def body(server, path):
        def silent():
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(3)
                s.connect(str(path))
                s.sendall(b'{"cmd": "sta')  # half a request, then nothing
                return s.recv(100)  # b"" once the server hangs up

        dropped = await asyncio.to_thread(silent)
        after = await asyncio.to_thread(request, path, {"cmd": "status"})
        return dropped, after

    dropped, after = run(body)
    assert dropped == b""
    assert after["ok"] is True


def test_idle_connections_beyond_the_limit_make_room_so_nobody_is_locked_out(tmp_path):
    # Issue 15: 16 idle connections used to answer everyone else "busy" for 10 s.
    run, _, _ = serve(tmp_path, max_clients=2, read_timeout=2.0)

    async def body(server, path):
        idle = []
        for _ in range(2):
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(str(path))
            idle.append(s)
        await asyncio.sleep(0.05)
        third = await asyncio.to_thread(raw_exchange, path, b'{"cmd": "status"}\n')
        for s in idle:
            s.close()
        await asyncio.sleep(0.05)
        after = await asyncio.to_thread(request, path, {"cmd": "status"})
        return third, after

    third, after = run(body)
    assert replies(third) == [{"ok": True, "online": False, "pattern": "off"}]
    assert after["ok"] is True


def test_handler_errors_become_error_replies_and_never_stop_the_server(tmp_path):
    run, _, _ = serve(tmp_path)

    async def body(server, path):
        results = []
        for cmd in ("reload", "ack", "status"):
            try:
                results.append(await asyncio.to_thread(request, path, {"cmd": cmd}))
            except DaemonError as exc:
                results.append(exc.reply)
        return results

    reload_, ack, status = run(body)
    assert reload_ == {"ok": False, "error": "config rejected: limits.max_session: bad duration"}
    assert ack == {
        "ok": False,
        "error": "internal error: RuntimeError: indicator exploded",
        "text": {
            "key": "internal",
            "values": {"type": "RuntimeError", "error": "indicator exploded"},
        },
    }
    assert status["ok"] is True


def test_client_says_the_daemon_is_not_running_when_there_is_no_socket(tmp_path):
    path = tmp_path / "nowhere.sock"
    with pytest.raises(DaemonNotRunning) as exc:
        request(path, {"cmd": "status"})
    assert str(exc.value) == f"link-monitor is not running (no socket at {path})"


def test_client_says_the_daemon_is_not_running_when_only_a_stale_file_is_left(tmp_path):
    path = tmp_path / "stale.sock"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(path))
    s.close()
    with pytest.raises(DaemonNotRunning, match="is not running"):
        request(path, {"cmd": "status"})


def test_the_package_still_offers_every_name_and_the_client_needs_no_asyncio():
    import subprocess
    import sys

    from monitor import control

    assert control.ControlServer is ControlServer and control.request is request
    assert control.parse_request is parse_request and control.DaemonError is DaemonError
    code = "import sys, monitor.control, monitor.control.client\nprint('asyncio' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "False"
