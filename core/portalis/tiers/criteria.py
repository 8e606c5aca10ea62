"""Tier criteria: ``won_revenue_12m >= 250000 and active_certifications >= 3``.

A deliberately small language — comparisons of a metric with a number, joined by
``and``/``or`` with parentheses — parsed with :mod:`ast` and never ``eval``-ed, so vendors
can type criteria in the admin UI without being able to run code.

Numbers are finite and at most :data:`MAX_NUMBER` in size (a 400-digit threshold, ``1e999``
or ``10**400`` is a clear error, never an ``OverflowError``); nesting deeper than Python's
parser allows, NUL characters and other unreadable input are errors too. Every
:class:`CriteriaError` carries its message untranslated (``str(exc)``, for logs and the
command line) and translated in the viewer's language (``exc.translated()``).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: The largest number a criterion may compare with (revenue in cents fits easily).
MAX_NUMBER = 10**15

_OPS: dict[type, tuple[str, object]] = {
    ast.GtE: (">=", lambda a, b: a >= b),
    ast.Gt: (">", lambda a, b: a > b),
    ast.LtE: ("<=", lambda a, b: a <= b),
    ast.Lt: ("<", lambda a, b: a < b),
    ast.Eq: ("==", lambda a, b: a == b),
    ast.NotEq: ("!=", lambda a, b: a != b),
}
_FLIP = {">=": "<=", ">": "<", "<=": ">=", "<": ">", "==": "==", "!=": "!="}


class CriteriaError(ValueError):
    """The expression is not valid; the message is safe to show to the vendor:
    ``str(exc)`` in English, :meth:`translated` in the viewer's language."""

    def __init__(self, message: str, **params: Any) -> None:
        self.msgid = message
        self.params = params
        super().__init__(message % params if params else message)

    def translated(self) -> str:
        from ..i18n import gettext

        return gettext(self.msgid, **self.params)


def _(message: str) -> str:
    """Marks a message for extraction; :meth:`CriteriaError.translated` translates it."""
    return message


@dataclass(frozen=True)
class Condition:
    metric: str
    op: str
    threshold: float

    def holds(self, value: float) -> bool:
        for _cls, (sym, fn) in _OPS.items():
            if sym == self.op:
                return bool(fn(value, self.threshold))  # type: ignore[operator]
        raise CriteriaError(self.op)


@dataclass(frozen=True)
class Progress:
    condition: Condition
    value: float
    met: bool

    @property
    def ratio(self) -> float:
        """0..1 towards a ``>=``/``>`` target; 1 or 0 for the other operators."""
        if self.met:
            return 1.0
        if self.condition.op in (">=", ">") and self.condition.threshold > 0:
            return max(0.0, min(1.0, self.value / self.condition.threshold))
        return 0.0

    @property
    def missing(self) -> float:
        if self.met or self.condition.op not in (">=", ">"):
            return 0.0
        return self.condition.threshold - self.value


def parse(expr: str, known_metrics: set[str] | None = None) -> ast.expr | None:
    """Validate ``expr``; None for an empty expression (the tier needs nothing)."""
    text = (expr or "").strip()
    if not text:
        return None
    if len(text) > 2000:
        raise CriteriaError(_("criteria are too long"))
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError as exc:
        raise CriteriaError(
            _("cannot read the criteria near column %(column)s"), column=exc.offset or 1
        ) from exc
    except (ValueError, RecursionError, MemoryError) as exc:  # NUL, absurd nesting
        raise CriteriaError(_("cannot read the criteria")) from exc
    try:
        _check(tree, known_metrics)
    except RecursionError as exc:  # - - - - … 1: deeper than any real criterion
        raise CriteriaError(_("cannot read the criteria")) from exc
    return tree


def _check(node: ast.AST, known: set[str] | None) -> None:
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And | ast.Or):
        for v in node.values:
            _check(v, known)
        return
    if isinstance(node, ast.Compare):
        _condition(node, known)
        return
    raise CriteriaError(_("use comparisons like 'metric >= 10' joined by 'and' / 'or'"))


def _number(node: ast.AST) -> float | None:
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    ):
        value = node.value
        if isinstance(value, float) and not math.isfinite(value) or abs(value) > MAX_NUMBER:
            raise CriteriaError(
                _("numbers in criteria must be between -%(max)s and %(max)s"),
                max=f"{MAX_NUMBER:,}",
            )
        return float(value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _number(node.operand)
        return -inner if inner is not None else None
    return None


def _condition(node: ast.Compare, known: set[str] | None) -> Condition:
    if len(node.ops) != 1 or type(node.ops[0]) not in _OPS:
        raise CriteriaError(_("each comparison needs exactly one of >= > <= < == !="))
    sym = _OPS[type(node.ops[0])][0]
    left, right = node.left, node.comparators[0]
    if isinstance(left, ast.Name) and _number(right) is not None:
        cond = Condition(left.id, sym, _number(right))  # type: ignore[arg-type]
    elif isinstance(right, ast.Name) and _number(left) is not None:
        cond = Condition(right.id, _FLIP[sym], _number(left))  # type: ignore[arg-type]
    else:
        raise CriteriaError(
            _("compare a metric name with a number, e.g. 'approved_deals_12m >= 5'")
        )
    if known is not None and cond.metric not in known:
        raise CriteriaError(_("unknown metric '%(name)s'"), name=cond.metric)
    return cond


def conditions(expr: str) -> list[Condition]:
    tree = parse(expr)
    out: list[Condition] = []

    def walk(n: ast.AST) -> None:
        if isinstance(n, ast.BoolOp):
            for v in n.values:
                walk(v)
        elif isinstance(n, ast.Compare):
            out.append(_condition(n, None))

    if tree is not None:
        walk(tree)
    return out


def evaluate(expr: str, metrics: Mapping[str, float]) -> bool:
    tree = parse(expr)
    if tree is None:
        return True

    def ev(n: ast.AST) -> bool:
        if isinstance(n, ast.BoolOp):
            vals = (ev(v) for v in n.values)
            return all(vals) if isinstance(n.op, ast.And) else any(vals)
        cond = _condition(n, None)  # type: ignore[arg-type]
        return cond.holds(float(metrics.get(cond.metric, 0) or 0))

    return ev(tree)


def progress(expr: str, metrics: Mapping[str, float]) -> list[Progress]:
    return [
        Progress(
            c, float(metrics.get(c.metric, 0) or 0), c.holds(float(metrics.get(c.metric, 0) or 0))
        )
        for c in conditions(expr)
    ]
