"""Demo data for ``portalis demo`` and the contract tests."""

from __future__ import annotations

from portalis import api


def seed(seed: api.DemoSeed) -> None:
    """Two paths, a SCORM course, certificates in several states (filled in later)."""
