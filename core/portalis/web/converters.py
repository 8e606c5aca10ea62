"""URL converters every route uses for record ids.

``<id:deal_id>`` matches a positive integer that fits the database's BIGINT. Anything else
(0, a negative number, 2**63 or more, digits in another script) does not match the rule,
so the visitor gets the ordinary 404 — never an ``OverflowError`` from the driver — and a
plugin never has to check an id's range itself.
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, ValidationError

MAX_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    """A database id: 1 … 2**63 - 1, ASCII digits only, no leading zeros."""

    regex = r"[1-9][0-9]{0,18}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValidationError()
        return number


def valid_id(value: object) -> int | None:
    """``value`` as an id if it is one (for ids arriving in query strings and forms)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= MAX_ID else None
