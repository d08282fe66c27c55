"""Runs the two heavy libraries (holidays, apprise) in short-lived child processes.

Why: the daemon needs them for about a second at start-up and at a reload, once
a year for the next holiday table, and once per alert sent. Importing them into
the daemon costs resident memory that CPython never gives back (measured with
this project's pins: holidays ~17 MiB, because a "JP" lookup imports every
country module; apprise and its plugins ~17-36 MiB), which is most of the
daemon's idle footprint. A child that exits takes that memory with it, and a
send that hangs is killed with its child instead of holding a thread.

    python -m monitor.offload     one JSON request on stdin ─► one JSON reply on stdout

Parent side (the daemon):

    start_check(text, source, years) -> Check
        start children that validate the config in full (``deep``) and compute
        the holiday tables of ``years``; ``text`` None means the built-in default
    Check.result() -> dict[int, dict[date, str]]
        the tables; raise ConfigError (the child's list of problems) or OffloadError
    check(text, source, years)          start_check(...).result()
    years_around(now) -> list[int]      the years fetched at start-up and reload
    ChildHolidays(config, text, source, tables)
        a ``Schedule(holidays=...)`` source; a year not fetched yet is asked of a
        new child (once a year or so); if that fails, loaded in this process
    ChildSender(alerts_config)
        ``notify.Sender``'s interface; every ``deliver`` runs in a new child

A child that cannot start, crashes, times out or answers nonsense raises
``OffloadError``; callers fall back to doing the work in-process (config,
holidays: correctness beats memory) or retry later (alerts stay in the outbox).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from monitor.errors import ConfigError, NotifyError, OffloadError, Problem

log = logging.getLogger(__name__)

# A config check imports pydantic, holidays and apprise: ~1 s here; allow for a
# loaded machine. A send is bounded by apprise's own timeouts (SMTP: 15 s per
# connection); the limit stays under the outbox lease (2 min), so a killed send
# is never attempted twice at the same time.
CHECK_TIMEOUT = 60.0
DELIVER_TIMEOUT = 100.0
# Variables the child must not see: it is not the service (sd_notify, socket
# activation belong to the daemon alone).
_PRIVATE_ENV = ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID",
                "LISTEN_FDNAMES")


# ============================================================================ parent


def _spawn(request: dict[str, Any]) -> subprocess.Popen:
    """Start a child and hand it ``request``; raise OffloadError if it cannot start."""
    env = {k: v for k, v in os.environ.items() if k not in _PRIVATE_ENV}
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor.offload"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    except OSError as exc:
        raise OffloadError(f"cannot start a child process: {exc.strerror or exc}") from None
    try:
        # The child reads all of stdin before it writes anything: this cannot deadlock.
        proc.stdin.write(json.dumps(request, ensure_ascii=False).encode())
    except BrokenPipeError:
        pass  # it died at once; _reply() reports how
    finally:
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.close()
    # communicate() must not touch stdin again (3.11 flushes it even when closed).
    proc.stdin = None
    return proc


def _reply(proc: subprocess.Popen, timeout: float, what: str) -> dict[str, Any]:
    """Wait for the child's reply; raise OffloadError when it gives none in time."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise OffloadError(f"{what}: the child process gave no answer within {timeout:.0f} s "
                           "and was killed") from None
    tail = err.decode(errors="replace").strip().splitlines()[-1:] if err else []
    if proc.returncode != 0:
        why = f": {tail[0]}" if tail else ""
        raise OffloadError(f"{what}: the child process exited with status {proc.returncode}{why}")
    try:
        reply = json.loads(out)
    except ValueError:
        raise OffloadError(f"{what}: the child process answered something that is not "
                           f"JSON ({out[:80]!r})") from None
    if not isinstance(reply, dict):
        raise OffloadError(f"{what}: the child process answered {reply!r}")
    return reply


def years_around(now: datetime) -> list[int]:
    """Return the years whose holidays the daemon fetches at start-up: last year (a
    session restored across New Year), this year and the two ahead (``next_change``
    looks 400 days ahead)."""
    return list(range(now.year - 1, now.year + 3))


class Check:
    """A config check running in child processes (see ``start_check``)."""

    def __init__(self, source: str, holidays: subprocess.Popen,
                 urls: subprocess.Popen | None):
        self.source = source
        self._holidays = holidays
        self._urls = urls

    def result(self, timeout: float = CHECK_TIMEOUT) -> dict[int, dict[date, str]]:
        """Return the holiday tables; raise ConfigError listing every problem of the
        config, or OffloadError when a child failed."""
        try:
            reply = _reply(self._holidays, timeout, "config check")
            problems = [Problem(p, m) for p, m in reply.get("problems", [])]
            if self._urls is not None:
                problems += [Problem(p, m) for p, m in
                             _reply(self._urls, timeout, "alert URL check").get("problems", [])]
        finally:
            self.cancel()
        if problems:
            raise ConfigError(self.source, problems)
        try:
            return {int(year): {date.fromisoformat(d): name for d, name in days}
                    for year, days in reply["holidays"].items()}
        except (KeyError, TypeError, ValueError, AttributeError):
            raise OffloadError(f"config check: unexpected answer {str(reply)[:120]!r}") from None

    def cancel(self) -> None:
        """Stop the children that are still running (their answer is no longer needed)."""
        for proc in (self._holidays, self._urls):
            if proc is not None and proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                proc.communicate()


def start_check(text: str | None, source: str, years: Iterable[int]) -> Check:
    """Start checking config ``text`` (None: the built-in default) in full and computing
    the holiday tables of ``years``; raise OffloadError if no child can start.

    Two children run side by side, because each library takes a good part of a
    second to import: one validates the config with the holiday check and
    computes the tables, the other checks ``alerts.urls`` with apprise (taken from
    the TOML as written, so that it is checked even when other keys are wrong)."""
    holidays = _spawn({"op": "check", "text": text, "source": source,
                       "years": sorted(set(years))})
    urls = _urls_in(text)
    try:
        return Check(source, holidays, _spawn({"op": "urls", "urls": urls}) if urls else None)
    except OffloadError:
        Check(source, holidays, None).cancel()
        raise


def _urls_in(text: str | None) -> list[str]:
    """Return ``alerts.urls`` of TOML ``text`` when it is a list of strings, else []
    (a syntax or type error is reported by the other child)."""
    if text is None:
        return []
    import tomllib

    try:
        urls = tomllib.loads(text).get("alerts", {}).get("urls", [])
    except (tomllib.TOMLDecodeError, AttributeError):
        return []
    if isinstance(urls, list) and all(isinstance(u, str) for u in urls):
        return urls
    return []


def check(text: str | None, source: str, years: Iterable[int]) -> dict[int, dict[date, str]]:
    """Blocking ``start_check(...).result()``."""
    return start_check(text, source, years).result()


class ChildHolidays:
    """A ``Schedule(holidays=...)`` source backed by tables a child computed.

    A year that is not in the tables (the daemon has run for more than a year) is
    fetched with the three after it, by a new child: a pause of a fraction of a
    second about once a year. If that child fails, the year is computed in this
    process (and the library stays loaded): a wrong holiday would mean a wrong
    verdict, which is worse than the memory."""

    def __init__(self, config, text: str | None, source: str,
                 tables: dict[int, dict[date, str]]):
        self._config = config
        self._text = text
        self._source = source
        self._tables = dict(tables)

    def __call__(self, year: int) -> dict[date, str]:
        if year not in self._tables:
            years = range(year - 1, year + 4)
            log.info("fetching the holidays of %d-%d in a child process", years[0], years[-1])
            try:
                self._tables.update(check(self._text, self._source, years))
            except (OffloadError, ConfigError) as exc:
                from monitor.schedule import load_holidays

                log.warning("%s; loading the holidays of %d in this process instead", exc, year)
                self._tables[year] = load_holidays(self._config, year)
        return self._tables.get(year, {})


class ChildSender:
    """``notify.Sender``'s interface, with every ``deliver`` done by a new child process
    (``build_sender(alerts_config).deliver(...)`` there), so that apprise is never
    imported into the daemon.

    ``services``, ``problems`` and ``urls`` describe what the last child found
    (destinations, and sources that gave none); ``loaded`` is False until a child
    has answered. The child reads ``alerts.config`` and the credential in
    ``$CREDENTIALS_DIRECTORY`` itself, at each send: a credential changed on disk
    is used from the next alert on. Blocking: call ``deliver`` in a thread;
    ``kill()`` (from any thread) ends a send in progress, e.g. when the daemon stops."""

    def __init__(self, alerts_config, *, timeout: float = DELIVER_TIMEOUT):
        self._request = {
            "urls": list(alerts_config.urls),
            "config": str(alerts_config.config) if alerts_config.config is not None else None,
            "credential": alerts_config.credential,
        }
        self._timeout = timeout
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen] = set()
        self._killed = False
        self.loaded = False
        self.urls: list[str] = []
        self.problems: list[tuple[str, str]] = []

    @property
    def services(self) -> list[str]:
        return self.urls

    def deliver(self, title: str, body: str, *, severity: str = "warning",
                skip: Iterable[int] = ()) -> list:
        """Send one message through every destination not in ``skip``; return one
        ``notify.Delivery`` per destination tried. Raise NotifyError: permanent when
        there is no destination, transient when the child failed (it is retried)."""
        from monitor.notify import NO_DESTINATION, Delivery

        if not any(self._request.values()):  # nothing to start a child for
            self.loaded = True
            raise NotifyError(NO_DESTINATION, permanent=True)
        request = {"op": "deliver", "alerts": self._request, "title": title, "body": body,
                   "severity": str(severity), "skip": sorted(set(skip))}
        try:
            with self._lock:
                if self._killed:
                    raise OffloadError("alert sender: stopping")
                proc = _spawn(request)
                self._running.add(proc)
            try:
                reply = _reply(proc, self._timeout, "alert sender")
            finally:
                with self._lock:
                    self._running.discard(proc)
        except OffloadError as exc:
            raise NotifyError(str(exc), permanent=False) from None
        self.loaded = True
        self.urls = list(reply.get("urls", []))
        self.problems = [(src, msg) for src, msg in reply.get("problems", [])]
        if "error" in reply:
            raise NotifyError(reply["error"], permanent=bool(reply.get("permanent")))
        try:
            return [Delivery(int(i), str(url), bool(ok), str(error), bool(permanent),
                             float(elapsed))
                    for i, url, ok, error, permanent, elapsed in reply["deliveries"]]
        except (KeyError, TypeError, ValueError):
            raise NotifyError(f"alert sender: unexpected answer {str(reply)[:120]!r}",
                              permanent=False) from None


    def kill(self) -> None:
        """End every send in progress (its alert stays in the outbox and is retried
        after a restart) and refuse new ones."""
        with self._lock:
            self._killed = True
            for proc in self._running:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()


# ============================================================================= child


def _child_check(request: dict[str, Any]) -> dict[str, Any]:
    from monitor.config import default_config, parse_config_text
    from monitor.schedule import load_holidays

    text, source = request["text"], request["source"]
    deep = frozenset({"holidays"})  # the "urls" child checks alerts.urls
    try:
        config = (default_config(deep=deep) if text is None
                  else parse_config_text(text, source, deep=deep))
    except ConfigError as exc:
        return {"problems": [[p.path, p.message] for p in exc.problems]}
    tables = {str(year): [[d.isoformat(), name] for d, name in sorted(
        load_holidays(config, year).items())] for year in request["years"]}
    return {"holidays": tables}


def _child_deliver(request: dict[str, Any]) -> dict[str, Any]:
    from types import SimpleNamespace

    from monitor.notify import build_sender

    a = request["alerts"]
    alerts = SimpleNamespace(urls=tuple(a["urls"]), credential=a["credential"],
                             config=Path(a["config"]) if a["config"] else None)
    sender = build_sender(alerts)
    reply: dict[str, Any] = {"urls": sender.urls,
                             "problems": [[src, msg] for src, msg in sender.problems]}
    try:
        deliveries = sender.deliver(request["title"], request["body"],
                                    severity=request["severity"], skip=request["skip"])
    except NotifyError as exc:
        reply.update(error=str(exc), permanent=exc.permanent)
        return reply
    reply["deliveries"] = [[d.index, d.url, d.ok, d.error, d.permanent, d.elapsed_s]
                           for d in deliveries]
    return reply


def _child_urls(request: dict[str, Any]) -> dict[str, Any]:
    from monitor.config import apprise_url_problem

    problem = apprise_url_problem(request["urls"])
    return {"problems": [["alerts.urls", problem]] if problem else []}


_OPS = {"check": _child_check, "urls": _child_urls, "deliver": _child_deliver}


def main() -> int:
    """The child: answer one request. Exit 0 with a JSON reply, or non-zero with the
    reason on stderr (the parent turns it into an OffloadError)."""
    try:
        request = json.loads(sys.stdin.buffer.read())
        op = _OPS[request["op"]]
    except (ValueError, KeyError, TypeError) as exc:
        print(f"monitor.offload: bad request: {exc!r}", file=sys.stderr)
        return 2
    reply = op(request)
    sys.stdout.write(json.dumps(reply, ensure_ascii=False))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
