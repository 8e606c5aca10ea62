"""Tier metrics: active certifications and recent completions per partner company."""

from __future__ import annotations

from portalis import api

DEFINITIONS: list[api.MetricDefinition] = []
