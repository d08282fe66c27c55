"""TEMPORARY shim: ``monitor.report`` moved to ``monitor.reports`` (issue 11).

Only ``monitor.daemon`` still imports ``permit_json`` from here; delete this file
once it imports ``monitor.reports.views.permit_json``.
"""

from __future__ import annotations

from monitor.reports.views import permit_json

__all__ = ["permit_json"]
