"""The register and the daemon's replies as people read them (layer 3 adapter).

Pure functions of records, replies, a time zone and a language; no clock, no file:

    views    permit_json, session_json, session_alerts (``log --json``, ``status --json``),
             format_hm
    log      log_table (the human ``log`` table)
    export   export_rows (the monthly CSV)
    days     month_bounds, day_bounds (local days and months as UTC bounds)
    status   format_status_report, format_permit_reply (``status``, ``permit``)

Import the submodule you need: this package imports none of them, so the quick
``status`` command pays for ``status`` alone.
"""
