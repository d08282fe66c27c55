"""The work that needs a heavy library (holidays, apprise), and the child process
that runs it for the daemon.

    python -m monitor.jobs     one JSON request on stdin ─► one JSON reply on stdout

The library checks of a config, one explicit step after parsing (config checks
shape only; ``monitor.calendar`` and ``monitor.alerts`` own the libraries):

    check_libraries(config) -> list[Problem]       in this process
    check_text(text, source) -> Config             parse + library checks: every
        problem in one ConfigError, in the order of the keys (check-config's list)
    load_and_check(option) -> (Config, source)     ``config.load`` + library checks

The daemon's way (start-up, reload): the checks and the holiday tables in
children (``monitor.children``), everything here if a child fails:

    load_checked(path, now, *, prewarm=None) -> (Config, source, PreloadedHolidays)
    holiday_source(config, tables) -> PreloadedHolidays
    local_holidays(config)       a holiday source computing in this process (commands)

This module imports neither library nor pydantic when imported: a child starts
with the interpreter and the one library its task needs.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterable
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.calendar import calendar_problems, national_holidays
from monitor.children.check import Tables, fetch_holidays, start_check, years_around
from monitor.children.holidays import PreloadedHolidays
from monitor.errors import ConfigError, NotifyError, OffloadError, Problem

if TYPE_CHECKING:
    from monitor.children.check import Check
    from monitor.config import Config, LibraryInputs

log = logging.getLogger(__name__)

# ============================================================== library checks


def library_problems(inputs: LibraryInputs, years: Iterable[int] | None = None) -> list[Problem]:
    """Return the problems the holiday library (loading the tables of ``years``; None:
    the years around today) and apprise find in ``inputs``."""
    from monitor.alerts.sender import apprise_url_problem  # imports apprise

    problems = []
    if inputs.country or inputs.subdivision is not None:
        if years is None:
            years = years_around(datetime.now().astimezone())
        problems += calendar_problems(inputs.country or "", inputs.subdivision, years)
    if inputs.urls and (problem := apprise_url_problem(inputs.urls)):
        problems.append(Problem("alerts.urls", problem))
    return problems


def check_libraries(config: Config) -> list[Problem]:
    """Return what the holiday library finds wrong with ``calendar.country`` and apprise
    with ``alerts.urls`` (empty: nothing). Imports both libraries when needed."""
    from monitor.config import LibraryInputs

    return library_problems(LibraryInputs.of(config))


def check_text(text: str | None, source: str) -> Config:
    """Return the ``Config`` of TOML ``text`` (None: the built-in default), checked in
    full; raise ConfigError listing every problem, shape and library, in the order
    one validation of the whole config gives."""
    from monitor.config import (
        LibraryInputs,
        default_config,
        merge_problems,
        parse_toml,
        validate_config,
    )

    if text is None:
        config = default_config()
        problems = check_libraries(config)
        if problems:
            raise ConfigError(source, problems)
        return config
    data = parse_toml(text, source)  # a syntax error is the only problem then
    try:
        config = validate_config(data, source)
        shape: list[Problem] = []
    except ConfigError as exc:
        shape = exc.problems
    problems = merge_problems(shape, library_problems(LibraryInputs.of_data(data)))
    if problems:
        raise ConfigError(source, problems)
    return config


def load_and_check(option: str | Path | None) -> tuple[Config, str]:
    """Return ``(config, source)`` following the lookup order, checked in full in this
    process (``check-config``); raise ConfigError listing every problem."""
    from monitor.config import BUILTIN, read_config_text, resolve_config_path

    path = resolve_config_path(option)
    if path is None:
        return check_text(None, BUILTIN), BUILTIN
    return check_text(read_config_text(path), str(path)), str(path)


# ============================================================ the daemon's way


def local_holidays(config: Config) -> Callable[[int], dict[date, str]]:
    """Return a ``Schedule(holidays=...)`` source that computes each year's table in this
    process (imports the holiday library on first use): for commands and tests."""
    cal = config.calendar
    return partial(national_holidays, cal.country, cal.subdivision, config.alerts.language)


def holiday_source(config: Config, tables: Tables) -> PreloadedHolidays:
    """Return the daemon's holiday source of ``config`` holding ``tables``: more years
    from a child (``ensure``), or computed here as the fallback."""
    return PreloadedHolidays(
        tables, fetch=partial(fetch_holidays, config), compute=local_holidays(config)
    )


def load_checked(
    path: Path | None,
    now: datetime,
    *,
    prewarm: Callable[[Config], None] | None = None,
) -> tuple[Config, str, PreloadedHolidays]:
    """Return ``(config, source, holiday source)`` of the config file at ``path`` (None:
    the built-in default), checked in full; raise ConfigError listing every problem.
    Blocking (the daemon calls it in a thread at a reload).

    This process checks the config's shape; children run the library checks and
    compute the holiday tables of ``years_around(now)``. ``prewarm(config)`` is
    called meanwhile (the daemon imports what it is about to use), so that the two
    overlap. If a child fails, everything is done here instead: slower and bigger,
    but never a wrong verdict."""
    from monitor.config import BUILTIN, default_config, parse_config_text, read_config_text

    text = read_config_text(path) if path is not None else None
    source = str(path) if path is not None else BUILTIN
    config: Config | None
    try:
        config = parse_config_text(text, source) if text is not None else default_config()
    except ConfigError:
        config = None  # a child checks it in full, for the complete list of problems
    years = years_around(now)
    pending: Check | None
    try:
        pending = start_check(config, text, source, years)
    except OffloadError as exc:
        log.warning("%s; checking the config in this process instead", exc)
        pending = None
    if prewarm is not None and config is not None:
        prewarm(config)
    tables = None
    if pending is not None:
        try:
            tables = pending.result()  # ConfigError: every problem, from the children
        except OffloadError as exc:
            log.warning("%s; checking the config in this process instead", exc)
    if config is None or tables is None:
        # In full, here: the complete list of problems, or the fallback.
        config = check_text(text, source)
        compute = local_holidays(config)
        tables = {year: compute(year) for year in years}
    return config, source, holiday_source(config, tables)


# =================================================================== the child


def _child_config(request: dict[str, Any]) -> dict[str, Any]:
    try:
        check_text(request["text"], request["source"])
    except ConfigError as exc:
        return {"problems": [[p.path, p.message] for p in exc.problems]}
    return {"problems": []}


def _child_holidays(request: dict[str, Any]) -> dict[str, Any]:
    country, subdivision = request["country"], request["subdivision"]
    problems = calendar_problems(country, subdivision, request["years"])
    if problems:
        return {"problems": [[p.path, p.message] for p in problems]}
    holidays = {
        str(year): [
            [d.isoformat(), name]
            for d, name in sorted(
                national_holidays(country, subdivision, request["language"], year).items()
            )
        ]
        for year in request["years"]
    }
    return {"holidays": holidays}


def _child_urls(request: dict[str, Any]) -> dict[str, Any]:
    from monitor.alerts.sender import apprise_url_problem

    problem = apprise_url_problem(request["urls"])
    return {"problems": [["alerts.urls", problem]] if problem else []}


def _child_deliver(request: dict[str, Any]) -> dict[str, Any]:
    from types import SimpleNamespace

    from monitor.alerts.sender import build_sender

    limit = request.get("limit_s")
    if limit:  # never outlive the daemon unobserved: end by itself past the limit
        signal.alarm(max(1, int(limit)))
    # `systemctl stop` sends SIGTERM to every process of the service: a send ended
    # between the server's acceptance and its record would be sent again after the
    # restart. It finishes (bounded by the limit above, and by systemd's SIGKILL).
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    a = request["alerts"]
    alerts = SimpleNamespace(
        urls=tuple(a["urls"]),
        credential=a["credential"],
        config=Path(a["config"]) if a["config"] else None,
    )
    sender = build_sender(alerts)
    reply: dict[str, Any] = {
        "urls": sender.urls,
        "problems": [[src, msg] for src, msg in sender.problems],
    }
    try:
        if "receipt" in request:
            deliveries = _deliver_recorded(sender, request, reply)
        else:
            deliveries = sender.deliver(
                request["title"],
                request["body"],
                severity=request["severity"],
                skip=request["skip"],
            )
    except NotifyError as exc:
        reply.update(error=str(exc), permanent=exc.permanent)
        return reply
    reply["deliveries"] = [
        [d.index, d.url, d.ok, d.error, d.permanent, d.elapsed_s] for d in deliveries
    ]
    return reply


def _deliver_recorded(sender: Any, request: dict[str, Any], reply: dict[str, Any]) -> list[Any]:
    """Send through each destination not yet on record, one at a time, recording in
    the register each one that accepted as soon as it did, then the delivery (issue
    13: the outcome is recorded where the send happens). Raise NotifyError (not
    sent) when the claim is no longer the daemon's."""
    import time

    from monitor.compat import UTC
    from monitor.domain.delivery import destination_keys
    from monitor.register import Register

    receipt = request["receipt"]
    alert_id, started, t0 = int(receipt["alert"]), datetime.now(UTC), time.monotonic()
    keys = destination_keys(list(sender.urls))
    if not keys:  # NotifyError(permanent): no destination configured
        sender.deliver(request["title"], request["body"], severity=request["severity"])
    with Register(receipt["register"]) as register:
        if not register.fence_send(alert_id, receipt["owner"], os.getpid()):
            raise NotifyError(
                f"alert {alert_id}: no longer claimed by this daemon", permanent=False
            )
        accepted = set(receipt["accepted"]) | register.accepted_destinations(alert_id)
        out = []
        for index, key in enumerate(keys):
            if key in accepted:
                continue
            others = [i for i in range(len(keys)) if i != index]
            for d in sender.deliver(
                request["title"], request["body"], severity=request["severity"], skip=others
            ):
                if d.ok:
                    register.record_destination(alert_id, key, datetime.now(UTC), d.elapsed_s)
                    accepted.add(key)
                out.append(d)
        if keys and all(key in accepted for key in keys):
            reply["recorded"] = register.complete_delivery(alert_id, started, time.monotonic() - t0)
    return out


_OPS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "config": _child_config,
    "holidays": _child_holidays,
    "urls": _child_urls,
    "deliver": _child_deliver,
}


def _warm(request: dict[str, Any]) -> bytes:
    """Get ready for a send, then wait: import apprise and build the services of
    ``request["alerts"]`` (so their plugins are loaded), import the register (the
    receipt is written with it), and return the next line of
    stdin, the real request (empty: the parent let this child go).

    A failure here is not reported: the real request does it all again and answers
    with whatever goes wrong."""
    from types import SimpleNamespace

    from monitor.alerts.sender import build_sender

    a = request["alerts"]
    try:
        build_sender(
            SimpleNamespace(
                urls=tuple(a["urls"]),
                credential=a["credential"],
                config=Path(a["config"]) if a["config"] else None,
            )
        )
        import monitor.register  # noqa: F401 - the receipt is recorded right after the send
    except Exception:  # noqa: BLE001, S110 - see above: the real request reports it
        pass
    return sys.stdin.buffer.readline()


def _read_request() -> dict[str, Any] | None:
    """Return the request on stdin: all of it, or the line after a ``warm`` one (None:
    let go unused). Raise ValueError, KeyError, TypeError when it is not one."""
    data = sys.stdin.buffer.readline()
    try:
        first = json.loads(data) if data.endswith(b"\n") else None
    except ValueError:
        first = None  # a request over several lines
    if isinstance(first, dict) and first.get("op") == "warm":
        data = _warm(first)
        if not data.strip():
            return None
    elif first is None:
        data += sys.stdin.buffer.read()
    request = json.loads(data)
    if not isinstance(request, dict):
        raise TypeError(f"not an object: {request!r}")
    return request


def main() -> int:
    """The child: answer one request. Exit 0 with a JSON reply, or non-zero with the
    reason on stderr (the parent turns it into an OffloadError). Started warm
    (``{"op": "warm", ...}`` and a newline, stdin left open), it gets ready, then
    answers the request of the next line; or exits 0 without a word at end of input."""
    try:
        request = _read_request()
        if request is None:
            return 0
        op = _OPS[request["op"]]
    except (ValueError, KeyError, TypeError) as exc:
        print(f"monitor.jobs: bad request: {exc!r}", file=sys.stderr)
        return 2
    answer = json.dumps(op(request), ensure_ascii=False)
    try:
        sys.stdout.write(answer)
        sys.stdout.flush()
    except BrokenPipeError:  # the daemon is gone; what matters is in the register
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no error at exit
        return 0
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # The reply is out: skip tearing the interpreter down. With apprise loaded that
    # takes 60-90 ms here, and the parent waits for the exit (a warm send took 34 ms
    # to deliver and 98-153 ms to end).
    os._exit(code)
