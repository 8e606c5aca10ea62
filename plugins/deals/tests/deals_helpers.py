"""Plain helpers shared by the deals tests."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any


def form_data(**overrides: Any) -> dict[str, Any]:
    """A complete, valid registration as the browser would post it."""
    data = {
        "customer_name": "Woodgrove Bank",
        "customer_website": "https://www.woodgrovebank.com",
        "country": "US",
        "contact_name": "Jordan Lee",
        "contact_email": "jordan@woodgrovebank.com",
        "contact_phone": "+1 555 0100",
        "products": "Cloud Platform Enterprise, 250 seats",
        "amount": "125000.00",
        "currency": "USD",
        "expected_close_date": (dt.date.today() + dt.timedelta(days=60)).isoformat(),
        "notes": "",
        "action": "submit",
    }
    data.update(overrides)
    return data


def deal_id_from(resp: Any) -> int:
    """The id in the redirect after registering (``/deals/<id>``)."""
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    match = re.search(r"/deals/(?:review/)?(\d+)$", resp.headers["Location"])
    assert match, resp.headers["Location"]
    return int(match.group(1))
