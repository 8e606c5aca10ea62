"""Onboarding for Portalis (the ``onboarding`` plugin)."""

__version__ = "0.1.0"
