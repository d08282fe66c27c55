"""`link-monitor test-alert` as a subprocess against a real SMTP server on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.smtp import SmtpServer, free_port

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("LINK_MONITOR_CONFIG", None)
    env.pop("CREDENTIALS_DIRECTORY", None)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=ROOT,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


def write_config(path: Path, *urls: str, extra: str = "", language: str = "en") -> Path:
    listed = ", ".join(f'"{u}"' for u in urls)
    path.write_text(
        f'[alerts]\nurls = [{listed}]\nmachine = "受付PC"\nlanguage = "{language}"\n{extra}',
        encoding="utf-8",
    )
    return path


def test_test_alert_reaches_the_mail_server_and_exits_zero(tmp_path):
    with SmtpServer() as smtp:
        config = write_config(tmp_path / "c.toml", smtp.url, language="ja")
        result = run_cli("test-alert", "--config", str(config))
        smtp.wait_for(1, timeout=5)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("成功    mailto://127.0.0.1:")
    assert "1 件の通知先のうち 1 件がテスト送信を受け付けました" in result.stdout
    msg = smtp.messages[0].message
    assert msg["subject"] == "[test] テスト送信 - 受付PC"
    assert "対応は不要です" in msg.get_content()


def test_test_alert_reports_each_destination_and_exits_one_when_any_failed(tmp_path):
    dead = f"mailto://user:hunter2@127.0.0.1:{free_port()}?from=a@example.jp&to=b@example.jp"
    with SmtpServer() as smtp:
        config = write_config(tmp_path / "c.toml", smtp.url, dead)
        result = run_cli("test-alert", "--config", str(config), "--lang", "en")
        smtp.wait_for(1, timeout=5)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("OK      ") and lines[1].startswith("FAILED  ")
    assert "Connection refused" in lines[2]
    assert "hunter2" not in result.stdout + result.stderr
    assert "1 of 2 destination(s) accepted the test message; 1 failed" in result.stdout
    assert smtp.messages[0].message["subject"].startswith("[test] Test message")


def test_test_alert_reads_urls_from_the_systemd_credential(tmp_path):
    creds = tmp_path / "creds"
    creds.mkdir()
    with SmtpServer() as smtp:
        (creds / "link-monitor-apprise").write_text(smtp.url + "\n")
        config = write_config(tmp_path / "c.toml", extra='credential = "link-monitor-apprise"\n')
        result = run_cli(
            "test-alert", "--config", str(config), env_extra={"CREDENTIALS_DIRECTORY": str(creds)}
        )
        smtp.wait_for(1, timeout=5)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(smtp.messages) == 1


def test_test_alert_without_destinations_says_what_to_configure(tmp_path):
    result = run_cli("test-alert", "--config", str(write_config(tmp_path / "c.toml")))
    assert result.returncode == 1
    assert "no alert destination configured" in result.stderr
    assert "alerts.urls" in result.stderr and "Traceback" not in result.stderr


def test_test_alert_names_a_missing_credential_instead_of_failing_obscurely(tmp_path):
    config = write_config(tmp_path / "c.toml", extra='credential = "link-monitor-apprise"\n')
    result = run_cli("test-alert", "--config", str(config))
    assert result.returncode == 1
    assert "FAILED  alerts.credential 'link-monitor-apprise'" in result.stdout
    assert "$CREDENTIALS_DIRECTORY is not set" in result.stdout
