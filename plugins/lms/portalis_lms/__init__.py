"""Training and certification for Portalis (the ``lms`` plugin)."""

__version__ = "0.1.0"
