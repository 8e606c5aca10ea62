"""``portalis`` (and ``python -m portalis``): the command line, run against a fresh app.

Kept apart from :mod:`portalis.cli`, which only *registers* commands on an app, so the
app factory can import the commands without the commands importing the factory.
"""

from __future__ import annotations

import sys

from flask.cli import FlaskGroup

from .app import create_app


def main() -> None:
    group = FlaskGroup(create_app=lambda: create_app(), add_default_commands=True)
    sys.exit(group.main(prog_name="portalis"))


if __name__ == "__main__":
    main()
