"""Ids and values arriving from the visitor: the ``<id:…>`` URL converter, and the ONE
set of parsers for query-string parameters and id choices in forms.

``<id:deal_id>`` matches a positive integer that fits the database's BIGINT. Anything else
(0, a negative number, 2**63 or more, digits in another script) does not match the rule,
so the visitor gets the ordinary 404 — never an ``OverflowError`` from the driver — and a
plugin never has to check an id's range itself.

Query strings go through :func:`int_arg`, :func:`id_arg`, :func:`ids_arg`,
:func:`date_arg`, :func:`choice_arg` and :func:`text_arg` (never ``request.args.get(...,
type=int)``, which accepts ``10**400``). Each returns a value the database can take or the
default: a bad parameter never becomes an error, it is ignored like an unknown one.
Select fields of ids use ``coerce=coerce_id``, so a huge or malformed id is refused by the
form instead of reaching a query.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from werkzeug.routing import BaseConverter, IntegerConverter, ValidationError

MAX_ID = 2**63 - 1
#: The range of a BIGINT column: every integer from the visitor is within it.
MIN_INT, MAX_INT = -(2**63), 2**63 - 1
#: Dates the portal accepts from visitors (anything else is a typo or an attack, and
#: ``date.max + 1 day`` would overflow).
MIN_YEAR, MAX_YEAR = 1900, 2200
#: The last page number a list accepts (``OFFSET (page - 1) * size`` stays small).
MAX_PAGE = 10_000

_INT = re.compile(r"[+-]?[0-9]{1,19}")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class IdConverter(IntegerConverter):
    """A database id: 1 … 2**63 - 1, ASCII digits only, no leading zeros."""

    regex = r"[1-9][0-9]{0,18}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValidationError()
        return number


class SlugConverter(BaseConverter):
    """A program's (or other record's) short name in a URL: lower-case ASCII letters, digits
    and hyphens, as the program form allows. Anything else — a NUL byte, another script, 64
    characters — is a plain 404 before the view runs, never a look-up."""

    regex = r"[a-z0-9][a-z0-9-]{0,62}"


class TokenConverter(BaseConverter):
    """A code or signed token in a URL (a certificate's verification code, a signed file
    token): URL-safe ASCII letters, digits, ``-``, ``_`` and ``.``, up to 256. Anything
    else — a NUL byte, which PostgreSQL refuses in a query, other scripts, spaces — is a
    plain 404 before the view runs, never a look-up."""

    regex = r"[A-Za-z0-9_.-]{1,256}"


def parse_int(value: object, min: int = MIN_INT, max: int = MAX_INT) -> int | None:  # noqa: A002
    """``value`` (a string of ASCII digits, optionally signed) as an int within ``min`` …
    ``max``; None for anything else (other scripts' digits, ``1e3``, ``10**400``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip() if value is not None else ""
        if not _INT.fullmatch(text):
            return None
        number = int(text)
    return number if min <= number <= max else None


def valid_id(value: object) -> int | None:
    """``value`` as an id if it is one (for ids arriving in query strings and forms)."""
    return parse_int(value, 1, MAX_ID)


def coerce_id(value: object) -> int:
    """``coerce=`` for select fields of ids: 0 (the forms' "none") … 2**63 - 1, else
    ``ValueError`` — the field then says "not a valid choice" and keeps no huge number
    that a view could put in a query."""
    number = parse_int(value, 0, MAX_ID)
    if number is None:
        raise ValueError(f"not an id: {str(value)[:40]!r}")
    return number


def parse_date(value: object) -> dt.date | None:
    """An ISO date (YYYY-MM-DD) from :data:`MIN_YEAR` to :data:`MAX_YEAR`, else None."""
    match = _DATE.fullmatch(str(value or "").strip())
    if not match:
        return None
    try:
        day = dt.date(*(int(part) for part in match.groups()))
    except ValueError:  # 2024-02-30, 0000-00-00
        return None
    return day if MIN_YEAR <= day.year <= MAX_YEAR else None


def _args(args: Mapping[str, Any] | None) -> Any:
    if args is not None:
        return args
    from flask import request

    return request.args


def int_arg(
    name: str,
    default: int | None = None,
    *,
    min: int = MIN_INT,  # noqa: A002
    max: int = MAX_INT,  # noqa: A002
    args: Mapping[str, Any] | None = None,
) -> int | None:
    """Query parameter ``name`` as an integer within ``min`` … ``max``, else ``default``."""
    number = parse_int(_args(args).get(name), min, max)
    return default if number is None else number


def id_arg(name: str, args: Mapping[str, Any] | None = None) -> int | None:
    """Query parameter ``name`` as a record id (1 … 2**63 - 1), else None."""
    return valid_id(_args(args).get(name))


def ids_arg(name: str, limit: int = 1000, args: Mapping[str, Any] | None = None) -> list[int]:
    """Every valid id given as ``name`` (repeated parameter), in order, without
    duplicates, at most ``limit`` of them; the invalid ones are left out."""
    source = _args(args)
    raw: Iterable[Any] = source.getlist(name) if hasattr(source, "getlist") else [source.get(name)]
    out: list[int] = []
    for value in list(raw)[: limit * 2]:
        number = valid_id(value)
        if number is not None and number not in out:
            out.append(number)
        if len(out) >= limit:
            break
    return out


def date_arg(
    name: str, default: dt.date | None = None, args: Mapping[str, Any] | None = None
) -> dt.date | None:
    """Query parameter ``name`` as a date (YYYY-MM-DD, years 1900 … 2200), else ``default``."""
    day = parse_date(_args(args).get(name))
    return default if day is None else day


def choice_arg(
    name: str, choices: Iterable[str], default: str = "", args: Mapping[str, Any] | None = None
) -> str:
    """Query parameter ``name`` if it is one of ``choices`` (sort keys, filters), else
    ``default``."""
    value = _args(args).get(name)
    allowed = set(choices)
    return value if isinstance(value, str) and value in allowed else default


def text_arg(name: str, max_length: int = 100, args: Mapping[str, Any] | None = None) -> str:
    """Query parameter ``name`` as one line of text: control characters dropped (NUL
    among them, which PostgreSQL refuses), stripped, at most ``max_length`` characters."""
    value = _args(args).get(name)
    if not isinstance(value, str):
        return ""
    return _CONTROLS.sub("", unicodedata.normalize("NFC", value[: max_length * 4])).strip()[
        :max_length
    ]
