"""The screen lamp (``link-monitor lamp``): a small always-on-top window that follows
the daemon's status stream and shows the pattern as the LED would.

    face     what to show for a stream line, or for a stopped monitor (pure)
    link     the thread that follows the daemon (reconnecting) and sends the ack
    notify   the desktop notification when an alarm starts (D-Bus, where present)
    window   the Tk window: lamp, words, the 確認 button, blink and bell

A commands-layer package: it talks to the daemon through ``monitor.control``'s client
only, and imports ``tkinter`` in ``window`` alone.
"""
