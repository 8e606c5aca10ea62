"""Tier criteria (a tiny, safe expression language) and tier evaluation."""
