"""Content library plugin for Portalis."""

__version__ = "0.1.0"
