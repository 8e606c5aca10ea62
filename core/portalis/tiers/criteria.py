"""Tier criteria: ``won_revenue_12m >= 250000 and active_certifications >= 3``.

A deliberately small language — comparisons of a metric with a number, joined by
``and``/``or`` with parentheses — parsed with :mod:`ast` and never ``eval``-ed, so vendors
can type criteria in the admin UI without being able to run code.

A metric whose definition has ``compute_for`` may also be named with one text in quotes:
``active_certifications("Certified Sales Professional") >= 3``. Nothing else looks like a
call: no second argument, no keywords, no number as argument, no text longer than
:data:`MAX_ARGUMENT` characters, none on a metric that takes no argument. Metric values
are looked up by :attr:`Condition.key` — the name, or ``name("text")`` for a named
variant — which is also how they are stored with a tier change.

Numbers are finite and at most :data:`MAX_NUMBER` in size (a 400-digit threshold, ``1e999``
or ``10**400`` is a clear error, never an ``OverflowError``); nesting deeper than Python's
parser allows, NUL characters and other unreadable input are errors too. Every
:class:`CriteriaError` carries its message untranslated (``str(exc)``, for logs and the
command line) and translated in the viewer's language (``exc.translated()``).
"""

from __future__ import annotations

import ast
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..plugins.contract import MetricDefinition

#: The largest number a criterion may compare with (revenue in cents fits easily).
MAX_NUMBER = 10**15
#: The longest text a metric may be named with (a certification's name fits).
MAX_ARGUMENT = 200

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


def metric_key(metric: str, argument: str | None = None) -> str:
    """How a metric's value is keyed: ``"partner_users"``, or
    ``'active_certifications("Certified Sales Professional")'`` with an argument."""
    if argument is None:
        return metric
    return f"{metric}({json.dumps(argument, ensure_ascii=False)})"


@dataclass(frozen=True)
class Condition:
    metric: str
    op: str
    threshold: float
    #: the text in quotes of ``metric("…")``; None for the plain metric
    argument: str | None = None

    @property
    def key(self) -> str:
        """Where the value is found in a metrics mapping (:func:`metric_key`)."""
        return metric_key(self.metric, self.argument)

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


def parse(
    expr: str, known_metrics: set[str] | None = None, argument_metrics: set[str] | None = None
) -> ast.expr | None:
    """Validate ``expr``; None for an empty expression (the tier needs nothing).

    With ``known_metrics`` every metric must be one of them, and ``metric("…")`` only
    names a metric of ``argument_metrics`` (none when not given). :func:`validate` takes
    both from the metric definitions."""
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
    known = None if known_metrics is None else (set(known_metrics), set(argument_metrics or ()))
    try:
        _check(tree, known)
    except RecursionError as exc:  # - - - - … 1: deeper than any real criterion
        raise CriteriaError(_("cannot read the criteria")) from exc
    return tree


def validate(expr: str, definitions: Iterable[MetricDefinition]) -> ast.expr | None:
    """:func:`parse` against these metric definitions (the tier editor's check)."""
    defs = list(definitions)
    return parse(
        expr,
        {m.name for m in defs},
        {m.name for m in defs if m.compute_for is not None},
    )


_Known = tuple[set[str], set[str]] | None


def _check(node: ast.AST, known: _Known) -> None:
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


def _metric(node: ast.AST) -> tuple[str, str | None] | None:
    """``name`` → (name, None); ``name("text")`` → (name, text); anything else None.
    A call on a metric name that is not exactly one text in quotes is an error."""
    if isinstance(node, ast.Name):
        return node.id, None
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return None
    name = node.func.id
    if (
        len(node.args) != 1
        or node.keywords
        or not isinstance(node.args[0], ast.Constant)
        or not isinstance(node.args[0].value, str)
    ):
        raise CriteriaError(
            _('%(name)s(…) takes one text in quotes, e.g. %(name)s("Sales Professional")'),
            name=name,
        )
    text = node.args[0].value
    if not text.strip():
        raise CriteriaError(_("the text in %(name)s(…) is empty"), name=name)
    if len(text) > MAX_ARGUMENT:
        raise CriteriaError(
            _("the text in %(name)s(…) is longer than %(max)s characters"),
            name=name,
            max=MAX_ARGUMENT,
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise CriteriaError(_("the text in %(name)s(…) contains control characters"), name=name)
    return name, text


def _condition(node: ast.Compare, known: _Known) -> Condition:
    if len(node.ops) != 1 or type(node.ops[0]) not in _OPS:
        raise CriteriaError(_("each comparison needs exactly one of >= > <= < == !="))
    sym = _OPS[type(node.ops[0])][0]
    left, right = node.left, node.comparators[0]
    metric_left, metric_right = _metric(left), _metric(right)
    if metric_left is not None and _number(right) is not None:
        (name, argument), op, threshold = metric_left, sym, _number(right)
    elif metric_right is not None and _number(left) is not None:
        (name, argument), op, threshold = metric_right, _FLIP[sym], _number(left)
    else:
        raise CriteriaError(
            _("compare a metric name with a number, e.g. 'approved_deals_12m >= 5'")
        )
    cond = Condition(name, op, threshold, argument)  # type: ignore[arg-type]
    if known is not None:
        names, takes_argument = known
        if cond.metric not in names:
            raise CriteriaError(_("unknown metric '%(name)s'"), name=cond.metric)
        if cond.argument is not None and cond.metric not in takes_argument:
            raise CriteriaError(
                _("the metric '%(name)s' takes no text in quotes"), name=cond.metric
            )
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
        return cond.holds(_value(metrics, cond))

    return ev(tree)


def _value(metrics: Mapping[str, float], cond: Condition) -> float:
    return float(metrics.get(cond.key, 0) or 0)


def progress(expr: str, metrics: Mapping[str, float]) -> list[Progress]:
    return [Progress(c, _value(metrics, c), c.holds(_value(metrics, c))) for c in conditions(expr)]


def needed(exprs: Iterable[str]) -> tuple[set[str], set[tuple[str, str]]]:
    """What these criteria read: the plain metric names, and the ``(metric, text)`` pairs
    of the named variants — each pair computed once per batch, whatever the tiers."""
    plain: set[str] = set()
    named: set[tuple[str, str]] = set()
    for expr in exprs:
        for c in conditions(expr):
            if c.argument is None:
                plain.add(c.metric)
            else:
                named.add((c.metric, c.argument))
    return plain, named
