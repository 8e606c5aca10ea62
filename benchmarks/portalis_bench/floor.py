"""The framework floor: what Flask + Jinja + SQLAlchemy cost on this machine with nothing
of Portalis in between.

One page, one indexed ORM query against the benchmark's own database (25 registrations
of one partner, newest first, on ``ix_deals_registrations_partner``), rendered with a
Jinja template of about the size of a portal page's table. Served by the same gunicorn
configuration as the portal in the same run, so every page is reported as a ratio to it:

    gunicorn -w 2 -k sync 'portalis_bench.floor:create_app()'

Reads ``PORTALIS_DATABASE_URL`` (or ``BENCH_FLOOR_DATABASE_URL``).
"""

from __future__ import annotations

import datetime as dt
import os
import random
from decimal import Decimal

from flask import Flask, Response
from jinja2 import DictLoader, Environment, select_autoescape
from sqlalchemy import BigInteger, DateTime, Numeric, String, create_engine, event, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<link rel="stylesheet" href="/static/app.css"></head>
<body><header><nav>{% for item in nav %}<a href="{{ item.url }}">{{ item.label }}</a>{% endfor %}</nav></header>
<main><h1>{{ title }}</h1>
<table><thead><tr><th>#</th><th>Customer</th><th>Status</th><th>Amount</th><th>Submitted</th></tr></thead>
<tbody>{% for d in deals %}<tr><td><a href="/deals/{{ d.id }}">{{ d.id }}</a></td><td>{{ d.customer_name }}</td>
<td><span class="badge badge-{{ d.status }}">{{ d.status|replace('_', ' ')|title }}</span></td>
<td>{{ '{:,.2f}'.format(d.amount or 0) }}</td>
<td>{{ d.submitted_at.strftime('%Y-%m-%d') if d.submitted_at else '' }}</td></tr>
{% else %}<tr><td colspan="5">Nothing yet.</td></tr>{% endfor %}</tbody></table></main>
<footer>{{ footer }}</footer></body></html>"""


class Base(DeclarativeBase):
    pass


class FloorDeal(Base):
    __tablename__ = "deals_registrations"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(BigInteger)
    partner_id: Mapped[int] = mapped_column(BigInteger)
    customer_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


def create_app(url: str | None = None) -> Flask:
    url = url or os.environ.get("BENCH_FLOOR_DATABASE_URL") or os.environ["PORTALIS_DATABASE_URL"]
    options = {"connect_args": {"check_same_thread": False}} if url.startswith("sqlite") else {}
    engine = create_engine(url, **options)  # type: ignore[arg-type]
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            dbapi_conn.execute("PRAGMA journal_mode=WAL")

    with Session(engine) as s:
        tenant_id = s.execute(
            select(FloorDeal.tenant_id).order_by(FloorDeal.id).limit(1)
        ).scalar_one()
        partner_ids = list(
            s.scalars(
                select(FloorDeal.partner_id).where(FloorDeal.tenant_id == tenant_id).distinct()
            )
        )
    env = Environment(loader=DictLoader({"page.html": TEMPLATE}), autoescape=select_autoescape())
    template = env.get_template("page.html")
    nav = [
        {"url": f"/{n.lower()}", "label": n} for n in ("Dashboard", "Deals", "Content", "Search")
    ]
    app = Flask("portalis_floor")
    rng = random.Random()

    @app.route("/")
    def page() -> Response:
        partner = rng.choice(partner_ids)
        with Session(engine) as s:
            deals = list(
                s.scalars(
                    select(FloorDeal)
                    .where(FloorDeal.tenant_id == tenant_id, FloorDeal.partner_id == partner)
                    .order_by(FloorDeal.id.desc())
                    .limit(25)
                )
            )
            body = template.render(title="Deal registrations", nav=nav, deals=deals, footer="Floor")
        return Response(body, mimetype="text/html", headers={"X-SQL-Statements": "1"})

    return app
