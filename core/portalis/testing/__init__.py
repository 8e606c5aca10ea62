"""Testing support for Portalis and its plugins — the part of Portalis besides
:mod:`portalis.api` that a plugin may import (in its tests).

* :mod:`portalis.testing.fixtures` — the ``portalis`` pytest plugin: ``portalis_app``,
  ``db_session``, ``world``, ``client_as``, ``enable_plugin``, ``fresh_database``,
  ``mailbox``, ``live_portal``, ``chromium`` (registered automatically when Portalis is
  installed).
* :mod:`portalis.testing.contract` — ``PluginContract``: subclass it as ``TestContract``
  with ``plugin = "<name>"`` in ``tests/test_contract.py`` and the plugin is checked for
  isolation (other tenants, other partners, lower tiers, anonymous), for disappearing when
  switched off (routes, nav items, widgets, search hits) and for untranslated text.
* :mod:`portalis.testing.kit` — the building blocks the contract and the core's own
  isolation suite share: seeding demo data, distinctive strings, fingerprints, URL values,
  route walking, "the same 404 as an unknown page", ``enable_plugin``.
* :mod:`portalis.testing.pseudo` — the pseudo-locale check's text collection.
* :mod:`portalis.testing.databases` — ``throwaway_database()``: a new empty SQLite or
  PostgreSQL database, dropped afterwards.
"""
