"""An answer's rich text: the Markdown subset becomes sanitized HTML (an allow-list, links to
http(s)/mailto/tel only, opened in a new tab) and plain text with links as "label: url"."""

from kazan.faq.richtext import answer_html, answer_text, sanitize


def test_the_subset_becomes_html():
    html = answer_html(
        "Open **daily**, *even* Sundays.\nSee [the menu](https://cafe.example/menu).\n\n"
        "- oat\n- soy\n\n1. first\n2. second\nMail us: [mail](mailto:hi@cafe.example)"
    )
    assert html.startswith("<p>Open <strong>daily</strong>, <em>even</em> Sundays.<br>See <a ")
    assert 'href="https://cafe.example/menu"' in html and 'target="_blank"' in html
    assert 'rel="noopener noreferrer"' in html
    assert "<ul><li>oat</li><li>soy</li></ul><ol><li>first</li><li>second</li></ol>" in html
    assert 'href="mailto:hi@cafe.example"' in html


def test_markup_and_scripts_are_shown_as_text_never_run():
    html = answer_html(
        "<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1)) "
        '<a href="javascript:alert(1)">y</a>'
    )
    assert "<script" not in html and "<img" not in html and '<a href="javascript' not in html
    assert "&lt;script&gt;" in html


def test_the_sanitizer_drops_what_is_not_allowed():
    cleaned = sanitize(
        '<p onclick="x()">Hi <a href="javascript:x()">a</a> <a href="tel:+4930123">call</a>'
        '<iframe src="https://evil.example"></iframe><b>b</b></p>'
    )
    assert "onclick" not in cleaned and "iframe" not in cleaned and "javascript" not in cleaned
    assert 'href="tel:+4930123"' in cleaned and "<b>" not in cleaned


def test_plain_text_keeps_links_readable():
    assert answer_text("**Yes**, see [the menu](https://cafe.example/menu).") == (
        "Yes, see the menu: https://cafe.example/menu."
    )
