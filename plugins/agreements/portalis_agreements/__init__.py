"""Agreements for Portalis (the ``agreements`` plugin)."""

__version__ = "0.1.0"
