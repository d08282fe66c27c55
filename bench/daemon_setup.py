"""The set-up the daemon benchmarks share (bench_daemon, bench_control, bench_crash; the
namespace for bench_links too): a throw-away network namespace with a veth pair, a
config with clinic hours around now, and ``link-monitor run`` in that namespace telling
READY=1 on a socket of ours. Imported by the bench scripts (run as
``python bench/NAME.py``: their folder is then first on sys.path, and the checkout's
root is put there too)."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from measure import GC_PROBE, Lines

from tests.support.daemon import LATER, NOW, daemon_config, hours

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def namespace(prefix: str) -> Iterator[str]:
    """Yield the name of a new network namespace ``PREFIX-PID-HEX`` with ``lo`` up (the
    SMTP servers listen there) and a veth pair: ``eth0`` (up, the interface watched) and
    ``peer0`` (down: the far end of the cable); delete the namespace on exit."""
    ns = f"{prefix}-{os.getpid()}-{secrets.token_hex(3)}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        ip = ["ip", "-n", ns]
        subprocess.run([*ip, "link", "set", "lo", "up"], check=True)
        subprocess.run(
            [*ip, "link", "add", "eth0", "type", "veth", "peer", "name", "peer0"], check=True
        )
        subprocess.run([*ip, "link", "set", "eth0", "up"], check=True)
        yield ns
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)


def write_config(
    folder: Path,
    urls: list[str],
    settle: float,
    *,
    indicator: str = "auto",
    retry: tuple[str, str] | None = None,
) -> Path:
    """Write a config into ``folder`` and return its path: clinic hours around now (a plug
    is a critical alert), a maintenance window later, ``eth*`` watched with ``settle``
    seconds, indicator ``kind = indicator``, alerts to ``urls`` (with ``retry`` =
    (retry_first, retry_max) when given), the register and control socket in ``folder``."""
    path = folder / f"config-{settle:g}s.toml"
    listed = ", ".join(f'"{url}"' for url in urls)
    retries = f'\nretry_first = "{retry[0]}"\nretry_max = "{retry[1]}"' if retry else ""
    text = daemon_config(
        folder,
        clinic=hours(*NOW),
        maintenance=hours(*LATER),
        settle=f"{settle * 1000:.0f}ms",
        indicator=f'kind = "{indicator}"',
        alerts=f"urls = [{listed}]{retries}",
        store=folder / "register.db",
        socket=folder / "control.sock",
    )
    path.write_text(text)
    return path


class Daemon:
    """``link-monitor run`` of the checkout ``tree`` in namespace ``ns``, with gpiozero's
    mock pins and ``NOTIFY_SOCKET`` = ``notify`` (bound here); ``t0`` is the wall time
    of the spawn. Its stderr lines are in ``log`` (a ``Lines``), or, given ``log_file``,
    its stdout and stderr are appended to that file (``log`` is then None).

    ``verbose``: ``run -v``; ``gc_probe``: started as ``python -c GC_PROBE`` (one stderr
    line per full collection or pause of 1 ms or more); ``watchdog``: ``WATCHDOG_USEC``
    = 30 s."""

    def __init__(
        self,
        ns: str,
        config: Path,
        notify: Path,
        *,
        tree: Path = ROOT,
        verbose: bool = True,
        gc_probe: bool = False,
        watchdog: bool = False,
        log_file: Path | None = None,
    ):
        self.notify_path = notify
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(str(notify))
        self.notify.settimeout(60)
        env = {
            **os.environ,
            "PYTHONPATH": str(tree),
            "GPIOZERO_PIN_FACTORY": "mock",
            "NOTIFY_SOCKET": str(notify),
        }
        if watchdog:
            env["WATCHDOG_USEC"] = "30000000"
        program = ["-c", GC_PROBE] if gc_probe else ["-m", "monitor"]
        argv = ["ip", "netns", "exec", ns, sys.executable, *program, "run"]
        argv += ["-v"] if verbose else []
        argv += ["--config", str(config)]
        self.log_file = log_file.open("a") if log_file is not None else None
        self.log: Lines | None = None
        self.t0 = time.time()
        # cwd: `-c` looks for `monitor` in the working directory first
        if self.log_file is not None:
            self.proc = subprocess.Popen(
                argv, stdout=self.log_file, stderr=subprocess.STDOUT, env=env, cwd=tree
            )
        else:
            self.proc = subprocess.Popen(
                argv,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                bufsize=1,
                env=env,
                cwd=tree,
            )
            self.log = Lines(self.proc.stderr)

    def wait_ready(self) -> float:
        """Return seconds from spawning to READY=1."""
        while True:
            if self.notify.recv(4096).decode().startswith("READY=1"):
                return time.time() - self.t0

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self._close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._close()

    def _close(self) -> None:
        self.notify.close()
        self.notify_path.unlink(missing_ok=True)
        if self.log_file is not None:
            self.log_file.close()
