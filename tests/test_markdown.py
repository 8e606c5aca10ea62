"""``api.render_markdown``: what people type formats text, and never runs or loads anything
in the reader's browser — one renderer for the content library, agreements and the rest."""

from portalis import api


def test_formatting_survives():
    html = str(
        api.render_markdown(
            "# Terms\n\nBetween **Acme** and *Contoso*.\n\n1. One\n2. Two\n\n"
            "| Seats | Price |\n|---|--:|\n| 10 | 5 |\n\n`code`\n\n> quoted"
        )
    )
    for tag in ("<h1>", "<strong>Acme</strong>", "<em>Contoso</em>", "<ol>", "<table>",
                "<th>Seats</th>", "<td>5</td>", "<code>code</code>",
                "<blockquote>"):  # fmt: skip
        assert tag in html, tag


def test_html_in_the_source_is_text_not_markup():
    html = str(api.render_markdown('<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">'))
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_only_web_and_mail_links_survive_and_they_open_nothing_of_ours():
    html = str(
        api.render_markdown(
            "[ok](https://example.com) [mail](mailto:jo@example.com) "
            "[bad](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=)"
        )
    )
    assert '<a href="https://example.com" rel="noopener noreferrer">ok</a>' in html
    assert 'href="mailto:jo@example.com"' in html
    # the others stay as the text typed, not as links
    assert 'href="javascript' not in html and 'href="data' not in html
    assert html.count("<a ") == 2


def test_nothing_gives_an_empty_text():
    assert str(api.render_markdown("")) == ""
    assert str(api.render_markdown(None)) == ""
