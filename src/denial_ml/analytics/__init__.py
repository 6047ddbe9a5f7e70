"""Denial tracking: revenue-cycle measures, preventable-denial report, HTML/JSON rendering.

`build_report(tables)` (in `analytics.report`) is the pure entry point shared by the CLI and the API.
"""

from denial_ml.analytics.report import build_report

__all__ = ["build_report"]
