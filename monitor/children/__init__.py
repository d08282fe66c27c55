"""Short-lived child processes that run the work needing a heavy library (holidays,
apprise) for the daemon: ``python -m monitor.jobs``, one JSON request on stdin,
one JSON reply on stdout.

    runner.py     spawn / reply / kill: the generic runner (OffloadError on failure)
    check.py      start_check(config, text, source, years) -> Check: the library
                  checks of a config and the holiday tables, in children side by side
    holidays.py   PreloadedHolidays: the schedule's holiday source, filled ahead
                  (never starts a process when asked for a year)
    sender.py     ChildSender: ``Sender``'s interface, every send in a new child

Why children: the daemon needs these libraries for about a second at start-up
and at a reload, once a year for the next holiday table, and once per alert
sent. Importing them into the daemon costs resident memory that CPython never
gives back (measured with this project's pins: holidays ~17 MiB, because a "JP"
lookup imports every country module; apprise and its plugins ~17-36 MiB), most
of the daemon's idle footprint. A child that exits takes that memory with it,
and a send that hangs is killed with its child instead of holding a thread.

The runner starts the child by module name and never imports it (``monitor.jobs``
is a layer above). Nothing here imports either library, nor pydantic.
"""
