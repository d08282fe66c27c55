"""Sending through apprise: the one ``apprise.Apprise`` object of the alerts config
(``Sender``, ``build_sender``), its error contract (``is_permanent``), the check of
``alerts.urls`` (``apprise_url_problem``) and ``send_test`` (``link-monitor test-alert``).

apprise (~20-36 MB with its plugins) is imported inside the functions that need it,
never when this module is imported.

Delivery facts this module is built on (apprise 2.3, checked in its source):

- ``Apprise.notify()`` never raises; it returns an ``AppriseResult`` with one
  ``NotifyResult`` per service, whose attempts carry the log lines captured during
  the call. The SMTP plugin logs the real cause (``Socket Exception: [Errno 111]
  Connection refused``) only at DEBUG, so the capture level is DEBUG and we keep
  the lines that explain a failure.
- Every plugin sleeps so as to send at most one request per
  ``request_rate_per_sec`` (5.5 s) *inside* ``notify()``. We set it to 0 on each
  service instance (never on the class) and pace in the worker instead, so the
  first alert of a burst leaves at once.
- ``body_format=TEXT`` makes the e-mail plugin send text/plain with the line
  breaks kept (unless a URL forces ``?format=html``).
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo
from pathlib import Path

from monitor.alerts.redact import redact
from monitor.alerts.render import machine_name, render_test
from monitor.compat import UTC
from monitor.domain.delivery import NO_DESTINATION, Delivery
from monitor.domain.enums import Severity
from monitor.errors import NotifyError

Clock = Callable[[], datetime]

__all__ = [
    "NO_DESTINATION",
    "Delivery",
    "Sender",
    "apprise_url_problem",
    "build_sender",
    "is_permanent",
    "send_test",
]

# Failure causes for which sending the same message again cannot help. Everything
# else (refused or timed-out connection, DNS failure, no route while offline, 4xx
# replies) is transient and retried with backoff.
_PERMANENT_RES = (
    re.compile(r"\(5\d\d, "),  # smtplib: (535, b'5.7.8 Authentication failed') etc.
    re.compile(r"refused: 5\d\d"),  # apprise: SMTP recipient x was refused: 550 ...
    re.compile(r"error=(400|401|403|404)\b"),  # apprise HTTP plugins
    re.compile(
        r"CERTIFICATE_VERIFY_FAILED|wrong version number|SMTP AUTH extension not", re.IGNORECASE
    ),
    re.compile(
        r"no Email recipients|improperly configured|Invalid SMTP secure mode", re.IGNORECASE
    ),
)


def is_permanent(error: str) -> bool:
    """Return True when ``error`` (captured apprise text) says a retry cannot help."""
    return any(r.search(error) for r in _PERMANENT_RES)


class _AppriseDetail:
    """While active, let apprise create DEBUG records (the SMTP plugin reports the real
    cause of a failure only at DEBUG) without showing them anywhere else: records
    below the previous level are captured by apprise's per-call handler and are not
    propagated to the application's handlers."""

    _lock: threading.Lock | None = None  # created lazily: no mutable state at import

    def __enter__(self) -> None:
        if _AppriseDetail._lock is None:
            _AppriseDetail._lock = threading.Lock()
        _AppriseDetail._lock.acquire()
        self._logger = logging.getLogger("apprise")
        self._level = self._logger.level
        self._propagate = self._logger.propagate
        parent_level = self._logger.getEffectiveLevel()
        self._forward = _Forward(self._logger.parent, parent_level) if self._propagate else None
        self._logger.setLevel(logging.DEBUG)
        if self._forward is not None:
            self._logger.propagate = False
            self._logger.addHandler(self._forward)

    def __exit__(self, *exc) -> None:
        try:
            if self._forward is not None:
                self._logger.removeHandler(self._forward)
            self._logger.propagate = self._propagate
            self._logger.setLevel(self._level)
        finally:
            assert _AppriseDetail._lock is not None
            _AppriseDetail._lock.release()


class _Forward(logging.Handler):
    """Hand records at or above the application's level on to the parent loggers,
    as propagation would have done."""

    def __init__(self, parent: logging.Logger | None, level: int):
        super().__init__(level=level)
        self._parent = parent

    def emit(self, record: logging.LogRecord) -> None:
        logger = self._parent
        while logger is not None:
            for handler in logger.handlers:
                if record.levelno >= handler.level:
                    handler.handle(record)
            if not logger.propagate:
                break
            logger = logger.parent


_NOTIFY_TYPES = {
    Severity.CRITICAL: "failure",
    Severity.WARNING: "warning",
    Severity.INFO: "info",
}


class Sender:
    """The one ``apprise.Apprise`` object of the alerts config, and its error contract.

    ``problems`` lists configured sources that gave no service (missing credential
    file, unreadable apprise config), as ``(source, message)``; they are reported by
    ``status()`` and ``test-alert``. Blocking: call ``deliver`` in a thread.
    (``monitor.children.sender.ChildSender`` has the same interface and sends from a child process.)"""

    loaded = True  # services and problems are known (ChildSender: after its first send)

    def __init__(self, services: list, problems: list[tuple[str, str]] | None = None):
        self.services = list(services)
        self.problems = list(problems or [])
        for service in self.services:
            # Instance attribute, not the class: throttling is the worker's job (pace).
            service.request_rate_per_sec = 0
        self._apprise = None
        if self.services:  # without a service there is nothing to import apprise for
            import apprise

            self._apprise = apprise.Apprise()
            for service in self.services:
                self._apprise.add(service)

    @property
    def urls(self) -> list[str]:
        """Return the configured service URLs with secrets hidden."""
        return [redact(s.url(privacy=True)).partition("?")[0] for s in self.services]

    def deliver(
        self,
        title: str,
        body: str,
        *,
        severity: Severity | str = Severity.WARNING,
        skip: Iterable[int] = (),
        receipt: object = None,
    ) -> list[Delivery]:
        """Send one plain-text message through every service whose index is not in
        ``skip``; return one ``Delivery`` per service tried (never raises for a failed
        service: the failure is in the Delivery). Raise NotifyError(permanent=True)
        when there is no service to send through. ``receipt`` is not used here (the
        outbox worker records what this returns; a send child records as it goes)."""
        skipped = set(skip)
        chosen = [i for i in range(len(self.services)) if i not in skipped]
        if not self.services:
            reason = "; ".join(f"{src}: {msg}" for src, msg in self.problems)
            raise NotifyError(NO_DESTINATION + (f": {reason}" if reason else ""), permanent=True)
        if not chosen:
            return []
        import apprise

        # Positional: the keyword is ``servers`` before apprise 2 and ``services`` since.
        target = (
            self._apprise if not skipped else apprise.Apprise([self.services[i] for i in chosen])
        )
        assert target is not None  # built in __init__ whenever there are services
        notify_type = _NOTIFY_TYPES.get(Severity(severity), "info")
        started = time.monotonic()
        with _AppriseDetail():
            result = target.notify(
                body=body,
                title=title,
                notify_type=notify_type,
                body_format=apprise.NotifyFormat.TEXT,
                log_level=logging.DEBUG,
            )
        try:
            return self._deliveries(result, chosen, time.monotonic() - started)
        finally:
            result.close()

    def _deliveries(self, result, chosen: list[int], elapsed: float) -> list[Delivery]:
        results = list(result)
        if len(results) != len(chosen):
            # The call failed before any service ran (e.g. the message was refused).
            text = _explain(result.logs()) or f"apprise: {result.status.name.lower()}"
            return [
                Delivery(i, self.urls[i], False, text, is_permanent(text), elapsed) for i in chosen
            ]
        out = []
        for i, service_result in zip(chosen, results):
            if service_result:
                out.append(Delivery(i, self.urls[i], True, "", False, service_result.elapsed))
                continue
            text = _explain(service_result.logs())
            if not text:
                text = (
                    "timed out"
                    if service_result.status.name == "TIMEOUT"
                    else "failed (apprise gave no reason)"
                )
            out.append(
                Delivery(i, self.urls[i], False, text, is_permanent(text), service_result.elapsed)
            )
        return out


def _explain(entries) -> str:
    """Return the lines of an apprise log capture that explain a failure: warnings and
    errors, and the DEBUG lines carrying an exception text. Passwords redacted."""
    lines: list[str] = []
    for entry in entries:
        msg = entry.message.strip()
        keep = entry.level in ("WARNING", "ERROR", "CRITICAL") or "Exception" in msg
        if keep and msg and msg not in lines:
            lines.append(msg)
    return redact("; ".join(lines))


def build_sender(alerts_config, *, credentials_dir: str | Path | None = None) -> Sender:
    """Return the ``Sender`` of ``alerts_config``: its ``urls``, the services of the
    apprise config file ``config`` and of the systemd credential ``credential``
    (read from ``credentials_dir``, default ``$CREDENTIALS_DIRECTORY``: apprise URLs
    one per line, or an apprise config). A source that yields nothing is recorded
    in ``Sender.problems``; nothing here raises for a bad source. apprise (~20-36 MB
    with its plugins) is imported only when a source is configured, and only its
    e-mail plugin when every destination is a mail (``monitor.alerts.plugins``)."""
    services: list = []
    problems: list[tuple[str, str]] = []
    sources = _config_sources(alerts_config, credentials_dir)  # read before apprise loads
    texts = [text for _, text, _ in sources if text is not None]
    if alerts_config.urls or texts:
        from monitor.alerts.plugins import load_plugins_for

        load_plugins_for([*alerts_config.urls, *texts])
    if alerts_config.urls:
        import apprise
    for i, url in enumerate(alerts_config.urls):
        service = apprise.Apprise.instantiate(url)
        if service is None:
            problems.append((f"alerts.urls[{i}]", f"apprise cannot use {redact(url)!r}"))
        else:
            services.append(service)
    for source, text, problem in sources:
        if text is None:
            problems.append((source, problem))
        else:
            _add_config_text(text, source, services, problems)
    return Sender(services, problems)


def _config_sources(
    alerts_config, credentials_dir: str | Path | None
) -> list[tuple[str, str | None, str]]:
    """Return ``(source, text, "")`` for the config file and the credential that could
    be read, ``(source, None, why)`` for those that could not, in that order."""
    sources: list[tuple[str, str | None, str]] = []
    if alerts_config.config is not None:
        path = Path(alerts_config.config)
        source = f"alerts.config {path}"
        try:
            sources.append((source, path.read_text(encoding="utf-8"), ""))
        except OSError as exc:
            sources.append((source, None, f"cannot read: {exc.strerror or exc}"))
    if alerts_config.credential:
        source = f"alerts.credential {alerts_config.credential!r}"
        folder = credentials_dir or os.environ.get("CREDENTIALS_DIRECTORY")
        if not folder:
            why = (
                "$CREDENTIALS_DIRECTORY is not set (run under systemd "
                "with LoadCredential=, or remove alerts.credential)"
            )
            sources.append((source, None, why))
            return sources
        path = Path(folder) / alerts_config.credential
        try:
            sources.append((source, path.read_text(encoding="utf-8"), ""))
        except OSError as exc:
            sources.append((source, None, f"cannot read {path}: {exc.strerror or exc}"))
    return sources


def _add_config_text(
    text: str, source: str, services: list, problems: list[tuple[str, str]]
) -> None:
    """Add the services of apprise config ``text`` (YAML, or TEXT = URLs one per line)."""
    import apprise

    if not text.strip():
        problems.append((source, "is empty"))
        return
    config = apprise.AppriseConfig()
    # Plain URLs one per line are apprise's TEXT format; let apprise detect YAML.
    if not config.add_config(text):
        config = apprise.AppriseConfig()
        config.add_config(text, format="text")
    found = config.services()
    if not found:
        problems.append((source, "contains no usable apprise URL"))
    services.extend(found)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def apprise_url_problem(urls: Iterable[str]) -> str | None:
    """Return what is wrong with ``alerts.urls`` (URLs apprise cannot use), or None.
    Imports apprise."""
    import apprise

    urls = list(urls)
    bad = [i for i, url in enumerate(urls) if apprise.Apprise.instantiate(url) is None]
    if not bad:
        return None
    return "apprise cannot parse " + ", ".join(f"urls[{i}] {redact(urls[i])!r}" for i in bad)


def send_test(
    alerts_config,
    language: str | None = None,
    machine: str | None = None,
    *,
    zone: str | tzinfo = "Asia/Tokyo",
    credentials_dir: str | Path | None = None,
    clock: Clock | None = None,
) -> list[tuple[str, bool, str]]:
    """Send a test message through every configured destination now (no outbox, no
    retry); return ``(url_redacted, ok, error)`` per destination, then one
    ``(source, False, problem)`` per configured source that gave no destination.
    An empty list means nothing is configured."""
    sender = build_sender(alerts_config, credentials_dir=credentials_dir)
    language = language or alerts_config.language
    machine = machine or machine_name(alerts_config)
    title, body = render_test(
        language=language, machine=machine, at=(clock or _utcnow)(), zone=zone
    )
    out: list[tuple[str, bool, str]] = []
    if sender.services:
        out += [(d.url, d.ok, d.error) for d in sender.deliver(title, body, severity=Severity.INFO)]
    out += [(src, False, msg) for src, msg in sender.problems]
    return out
