"""Authoring: courses, their languages and audience, modules and lessons, paths,
assignments. No request objects; the caller commits."""

from __future__ import annotations
