"""Alerts: the texts people receive and their delivery through apprise.

    render.py   render(alert) / render_test(): (title, body) in ja or en, from the catalog
    sender.py   Sender / build_sender(): the one apprise object, its error contract
                (is_permanent), apprise_url_problem() (the check of alerts.urls),
                send_test() (``link-monitor test-alert``)
    plugins.py  load_plugins_for(): apprise's e-mail plugin alone when every
                destination is a mail (the send child is ready sooner)
    outbox.py   OutboxWorker: drains the register's outbox, retries with backoff()
    redact.py   redact(): passwords in URLs as ***

This package is the only place that imports apprise (always inside a function:
importing a module here never loads it). Nothing is imported here, so that
``monitor.alerts.render`` costs only itself.
"""
