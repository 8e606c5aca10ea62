"""The bad-input sweep: every URL rule of the app (core and installed plugins) and every
field of every form on its pages get hostile values — numbers beyond BIGINT (2**63,
10**400), negative numbers, impossible dates (9999-12-31, 0000-00-00, 2024-02-30),
100 000-character strings, NUL, invalid UTF-8, unknown choices and sort keys, repeated
fields — as an anonymous visitor, a partner admin, a channel manager and a vendor admin.

No answer may be a 5xx, and a refusal (4xx) must be the portal's own page, not a bare
Werkzeug one. The sweep is :func:`portalis.testing.kit.sweep`; each plugin's contract
runs it on its own routes too.
"""

import time

from portalis.testing.kit import (
    enable_plugin,
    sample_values,
    seed_plugin_data,
    sweep,
    victim_values,
)


def test_no_hostile_input_gets_a_server_error(world, client_as):
    seed_plugin_data(world)
    for name in world.app.extensions["portalis"].installed_names():
        enable_plugin(world.program, name)
    actors = [
        ("anonymous", None),
        ("partner admin", world.users["gold_admin"]),
        ("channel manager", world.users["channel_manager"]),
        ("vendor admin", world.users["vendor_admin"]),
    ]
    started = time.monotonic()
    report = sweep(
        world.app,
        actors,
        client_as,
        victim_values(world, "gold"),
        more_values=sample_values(world),
    )
    took = time.monotonic() - started
    print(
        f"bad-input sweep: {report.requests} requests, {report.forms} forms, "
        f"{report.fields} fields, {report.params} query parameters, {took:.0f} s"
    )
    assert not report.problems, f"{len(report.problems)} problems:\n" + "\n".join(report.problems)
    # the sweep really covered the portal's forms (core and both plugins)
    print("\n".join(f"  {k} (as {v})" for k, v in sorted(report.form_endpoints.items())))
    assert report.forms >= 20 and report.fields >= 100
    # the application form and the vendor's review (seeded by the core's demo data)
    assert {
        "POST apply.start",
        "POST admin.application_owner",
        "POST admin.application_decline",
        "POST admin.application_field_add",
    } <= set(report.form_endpoints)
    assert report.requests >= 2000
