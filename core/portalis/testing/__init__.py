"""Test fixtures for plugin authors (pytest plugin ``portalis``)."""
