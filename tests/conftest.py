"""Core test configuration. Fixtures come from the ``portalis`` pytest plugin
(portalis.testing.fixtures), the same ones third-party plugin authors use."""
