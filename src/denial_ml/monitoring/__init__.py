"""Monitoring a deployed denial model: drift of inputs and outcomes, and payer rule changes."""
