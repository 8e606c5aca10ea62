"""The content library honours the permissions it declares, as a vendor admin sets them on
"Roles & permissions" (``/admin/roles``):

* ``content.manage`` opens the vendor's pages (``/content/manage``) to vendor staff, and
  nothing to partners, whatever is ticked;
* ``content.download`` opens files, previews and links; without it a partner still browses
  the library and reads every page and description, and is told whom to ask.

Grants are changed through the real page, as a vendor admin would, or by storing the
override row the page would store."""

from __future__ import annotations

import re

import pytest
from content_helpers import make_pdf, make_png
from sqlalchemy import select

from portalis import api
from portalis.testing.kit import set_permission

DEFAULTS = {
    "content.manage": ["vendor_admin", "channel_manager"],
    "content.download": ["partner_admin", "partner_user"],
}
NOTE = "Ask your company admin for download access."
VENDOR_NOTE = "Ask a vendor admin for download access."


@pytest.fixture
def set_roles(world, client_as):
    """``set_roles(content__download=[...roles])``: tick those roles for that permission on
    the vendor admin's "Roles & permissions" page and save (the other content permission
    keeps its defaults)."""

    def save(**wanted):
        grid = {**DEFAULTS, **{name.replace("__", "."): roles for name, roles in wanted.items()}}
        admin = client_as(world.users["vendor_admin"])
        resp = admin.post_form(
            "/admin/roles",
            {
                "permission": list(grid),
                "grant": [f"{p}:{r}" for p, roles in grid.items() for r in roles],
            },
            follow_redirects=True,
        )
        assert resp.status_code == 200
        assert "Permissions saved" in resp.get_data(as_text=True)

    return save


def _text(client, path):
    resp = client.get(path)
    assert resp.status_code == 200, (path, resp.status_code)
    return resp.get_data(as_text=True)


def _main(html):
    m = re.search(r"<main.*?</main>", html, re.S)
    return m.group(0) if m else html


def _nav(html):
    m = re.search(r"<nav.*?</nav>", html, re.S)
    assert m, "the page has a navigation"
    return m.group(0)


def _downloads(world):
    from portalis_content.models import Download

    with api.tenant_scope(world.tenant.id):
        return [(d.item_id, d.user_id) for d in api.session.scalars(select(Download))]


@pytest.fixture
def records(world, library):
    """One of everything a vendor page can be about: items of each kind (a co-branded PDF
    in a folder and a collection, an image, a link, a page), a version, a folder and a
    collection; ids by name."""
    from portalis_content.models import Collection, CollectionItem, Folder, Version

    pdf = library("Battlecard", data=make_pdf("Battlecard"), folder="Sales", cobrandable=True)
    image = library("Product shot", data=make_png(), filename="shot.png")
    link = library("Partner webinar", kind="link", url="https://example.com/webinar")
    page = library("Pricing FAQ", kind="page", body="Prices are **per seat**.")
    with api.tenant_scope(world.tenant.id):
        folder_id = api.session.scalars(select(Folder.id).where(Folder.name == "Sales")).one()
        version_id = api.session.scalars(select(Version.id).where(Version.item_id == pdf)).one()
        coll = Collection(title="Launch kit")
        api.session.add(coll)
        api.session.flush()
        api.session.add(CollectionItem(collection_id=coll.id, item_id=pdf, position=0))
        api.session.commit()
        collection_id = coll.id
    return {
        "pdf": pdf,
        "image": image,
        "link": link,
        "page": page,
        "folder": folder_id,
        "version": version_id,
        "collection": collection_id,
    }


def _vendor_routes(app, records, partner_id):
    """(method, URL) for every rule of the plugin under ``/content/manage``, with ids of
    records that exist (and a partner for the co-brand preview)."""
    values = {
        "item_id": records["pdf"],
        "version_id": records["version"],
        "folder_id": records["folder"],
        "collection_id": records["collection"],
        "lang": "en",
    }
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("content.") or not rule.rule.startswith("/content/manage"):
            continue
        args = {a: values[a] for a in rule.arguments}
        if rule.endpoint == "content.cobrand_preview":
            args["partner_id"] = partner_id
        url = rule.build(args)[1]
        routes.extend((m, url) for m in sorted(rule.methods - {"HEAD", "OPTIONS"}))
    return routes


def _answers(client, routes):
    out = {}
    for method, url in routes:
        if method == "GET":
            out[(method, url)] = client.get(url).status_code
        else:
            out[(method, url)] = client.post_form(
                url, {"name": "Renamed", "title": "Renamed"}, form_page="/content/"
            ).status_code
    return out


# --- the defaults ------------------------------------------------------------------------


def test_by_default_vendor_staff_manage_and_partners_download(world, client_as, records):
    for name in ("vendor_admin", "channel_manager"):
        staff = client_as(world.users[name])
        nav = _nav(_text(staff, "/admin/"))
        assert 'href="/content/manage/"' in nav, name
        for path in ("/content/manage/", f"/content/manage/items/{records['pdf']}"):
            assert staff.get(path).status_code == 200, (name, path)
        item = _main(_text(staff, f"/content/items/{records['pdf']}"))
        assert f'href="/content/manage/items/{records["pdf"]}"' in item  # "Manage"
        assert f"/content/items/{records['pdf']}/download" in item and VENDOR_NOTE not in item
    for name in ("gold_admin", "gold_user"):
        partner = client_as(world.users[name])
        assert 'href="/content/"' in _nav(_text(partner, "/dashboard"))
        item = _main(_text(partner, f"/content/items/{records['pdf']}"))
        assert "Download co-branded PDF" in item and NOTE not in item
        assert partner.get(f"/content/items/{records['pdf']}/download").status_code == 200
        assert partner.get(f"/content/items/{records['image']}/preview").status_code == 200
        assert partner.get(f"/content/items/{records['link']}/open").status_code == 303
        assert partner.get("/content/manage/").status_code == 404
    page = _text(client_as(world.users["vendor_admin"]), "/admin/roles")
    assert "Manage the content library (vendor staff only)" in page
    assert "Download library content" in page


# --- content.manage ----------------------------------------------------------------------


def test_revoking_manage_from_channel_managers_closes_every_vendor_page_and_the_nav_item(
    world, client_as, records, set_roles, portalis_app
):
    from portalis_content.models import Collection, Folder, Item

    routes = _vendor_routes(portalis_app, records, world.partners["gold"].id)
    # every page the brief names is among them
    for part in (
        "/content/manage/new",
        "/edit",
        "/versions/new",
        "/translations/new",
        "/content/manage/folders",
        "/content/manage/collections",
        "/content/manage/report",
        "/content/manage/audience",
        "/cobrand-preview",
    ):
        assert any(part in url for _m, url in routes), part
    gets = [r for r in routes if r[0] == "GET"]
    manager = client_as(world.users["channel_manager"])
    assert set(_answers(manager, gets).values()) == {200}  # before: every page opens

    set_roles(content__manage=["vendor_admin"])

    answers = _answers(manager, routes)
    assert {k: v for k, v in answers.items() if v != 404} == {}
    nav = _nav(_text(manager, "/admin/"))
    assert "/content/manage" not in nav and ">Content<" not in nav
    # nothing was changed or deleted by those POSTs
    with api.tenant_scope(world.tenant.id):
        assert api.session.get(Item, records["pdf"]) is not None
        assert api.session.get(Folder, records["folder"]).name == "Sales"
        assert api.session.get(Collection, records["collection"]).title == "Launch kit"
    # the library itself stays readable to vendor staff, without links to the manage pages
    item = _main(_text(manager, f"/content/items/{records['pdf']}"))
    assert "/content/manage" not in item
    assert "/content/manage" not in _main(_text(manager, "/content/"))
    assert "/content/manage" not in _main(_text(manager, f"/content/folders/{records['folder']}"))
    coll_page = _main(_text(manager, f"/content/collections/{records['collection']}"))
    assert "/content/manage" not in coll_page
    # ... and its files came with content.manage: now the note, and 404
    assert VENDOR_NOTE in item and "/download" not in item
    assert manager.get(f"/content/items/{records['pdf']}/download").status_code == 404

    # the vendor admin keeps every page, the other tenant's channel managers their default
    admin = client_as(world.users["vendor_admin"])
    assert 'href="/content/manage/"' in _nav(_text(admin, "/admin/"))
    assert set(_answers(admin, gets).values()) == {200}
    other = client_as(world.other["users"]["channel_manager"])
    assert other.get("/content/manage/").status_code == 200


def test_manage_granted_to_partner_roles_opens_nothing(
    world, client_as, records, set_roles, portalis_app, library
):
    hidden = library("Internal pricing notes", visibility="hidden")
    everyone = ["vendor_admin", "channel_manager", "partner_admin", "partner_user"]
    set_roles(content__manage=everyone)
    routes = _vendor_routes(portalis_app, records, world.partners["gold"].id)
    for name in ("gold_admin", "gold_user"):
        partner = client_as(world.users[name])
        answers = _answers(partner, routes)
        assert {k: v for k, v in answers.items() if v != 404} == {}, name
        # the grant doesn't widen what they see: still no vendor-only item, no manage link
        assert partner.get(f"/content/items/{hidden}").status_code == 404
        assert "Internal pricing notes" not in _text(partner, "/content/")
        assert "/content/manage" not in _text(partner, "/dashboard")
        assert "/content/manage" not in _text(partner, f"/content/items/{records['pdf']}")


# --- content.download --------------------------------------------------------------------


def test_without_download_a_partner_user_browses_and_reads_but_gets_no_file(
    world, client_as, records, set_roles
):
    set_roles(content__download=["partner_admin"])
    user = client_as(world.users["gold_user"])

    for kind in ("pdf", "image", "link"):
        item = _main(_text(user, f"/content/items/{records[kind]}"))
        assert NOTE in item, kind
        for route in ("download", "preview", "open"):
            assert f"/content/items/{records[kind]}/{route}" not in item, (kind, route)
    pdf_page = _main(_text(user, f"/content/items/{records['pdf']}"))
    assert "Battlecard" in pdf_page
    assert "Download co-branded PDF" not in pdf_page and "personalised" not in pdf_page
    # the page item is read in full, and has nothing to download: no note either
    page = _main(_text(user, f"/content/items/{records['page']}"))
    assert "<strong>per seat</strong>" in page and NOTE not in page

    for kind, route in (
        ("pdf", "download"),
        ("pdf", "preview"),
        ("image", "download"),
        ("image", "preview"),
        ("link", "open"),
    ):
        assert user.get(f"/content/items/{records[kind]}/{route}").status_code == 404, route
    assert _downloads(world) == []

    # browsing works as before: library, folder, collection, widget and search
    library_page = _main(_text(user, "/content/"))
    assert f'href="/content/items/{records["pdf"]}"' in library_page
    assert "Battlecard" in _main(_text(user, f"/content/folders/{records['folder']}"))
    assert "Battlecard" in _main(_text(user, f"/content/collections/{records['collection']}"))
    assert f'href="/content/items/{records["pdf"]}"' in _text(user, "/dashboard")
    found = _main(_text(user, "/search/?q=battlecard"))
    assert f'href="/content/items/{records["pdf"]}?lang=en"' in found  # to the item page
    assert 'href="/content/"' in _nav(_text(user, "/dashboard"))

    # the partner admin, and the other tenant's partner users, still download
    admin = client_as(world.users["gold_admin"])
    assert "Download co-branded PDF" in _text(admin, f"/content/items/{records['pdf']}")
    resp = admin.get(f"/content/items/{records['pdf']}/download")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert _downloads(world) == [(records["pdf"], world.users["gold_admin"].id)]

    # granted again: the buttons and the routes are back on the next request
    set_roles(content__download=["partner_admin", "partner_user"])
    assert "Download co-branded PDF" in _text(user, f"/content/items/{records['pdf']}")
    assert user.get(f"/content/items/{records['pdf']}/download").status_code == 200


def test_the_note_is_in_the_viewers_language(world, client_as, records, set_locale):
    set_permission(world.tenant, "content.download", "partner_user", granted=False)
    set_locale("gold_user", "de")
    item = _main(_text(client_as(world.users["gold_user"]), f"/content/items/{records['pdf']}"))
    assert "Bitten Sie Ihren Firmenadministrator um Download-Zugriff." in item
    assert NOTE not in item


def test_a_revocation_stays_in_its_tenant(world, client_as, records):
    set_permission(world.other_tenant, "content.download", "partner_user", granted=False)
    user = client_as(world.users["gold_user"])
    assert user.get(f"/content/items/{records['pdf']}/download").status_code == 200
    assert NOTE not in _text(user, f"/content/items/{records['pdf']}")


def test_download_granted_to_channel_managers_without_manage_gives_files_not_pages(
    world, client_as, records, set_roles
):
    set_roles(
        content__manage=["vendor_admin"],
        content__download=["partner_admin", "partner_user", "channel_manager"],
    )
    manager = client_as(world.users["channel_manager"])
    assert manager.get("/content/manage/").status_code == 404
    item = _main(_text(manager, f"/content/items/{records['pdf']}"))
    assert f"/content/items/{records['pdf']}/download" in item and VENDOR_NOTE not in item
    resp = manager.get(f"/content/items/{records['pdf']}/download")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    assert _downloads(world) == []  # vendor staff downloads are not partner downloads
