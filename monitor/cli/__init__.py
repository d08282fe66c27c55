"""The ``link-monitor`` command (layer 5: it may use every part).

``group`` holds the top-level group, which imports a command's module only when that
command runs; one module per area of commands:

    check     check-config              explain   explain
    watch     watch                     indicator test-indicator
    records   log, export, verify       alert     test-alert
    service   run, reload               client    status, permit, ack (the quick ones)
    box       box

User mistakes (bad config, bad arguments, daemon not running) end with a clear
message and a non-zero exit status, never a traceback.
"""

from monitor.cli.group import main

__all__ = ["main"]
