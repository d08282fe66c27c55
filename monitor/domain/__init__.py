"""The bottom layer: the words every other part speaks.

Enums for every state that is stored or printed (``enums``), the immutable records
that cross part boundaries (``model``: links, permits, sessions, alerts), the
engine's inputs and effects (``events``) and the config's duration notation
(``durations``). Nothing here imports any other part of the package except
``monitor.errors`` and ``monitor.compat``; nothing here does I/O.
"""
