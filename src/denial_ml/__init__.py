"""denial_ml: predict, explain and triage medical claim denials."""

__version__ = "0.1.0"
