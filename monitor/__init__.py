"""link-monitor: watch the network link of an offline PC, light an LED, keep a register."""

__version__ = "0.1.0"
