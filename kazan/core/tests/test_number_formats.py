"""Numbers in templates follow the reader's language (USE_THOUSAND_SEPARATOR), while numbers
that machines read back (page numbers in links, ids, payment references) stay plain digits."""

import pytest
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.utils import translation

from kazan.core.formatting import date_local, number_local


@pytest.mark.parametrize(
    ("language", "shown"),
    [("en", "1,500"), ("de", "1.500"), ("tr", "1.500"), ("it", "1.500"), ("es", "1\u00a0500")],
)
def test_page_numbers_are_grouped_for_people_and_plain_in_links(language, shown):
    page = Paginator(range(2000), 1).get_page(1500)
    with translation.override(language):
        html = render_to_string("partials/pagination.html", {"page": page, "query": ""})
    assert "page=1499" in html and "page=1501" in html
    assert shown in html


def test_formatting_helpers_default_to_the_active_language():
    import datetime as dt

    with translation.override("de"):
        assert number_local(1561) == "1.561"
        assert date_local(dt.date(2026, 12, 1), fmt="YEAR_MONTH_FORMAT") == "Dezember 2026"
    assert number_local(1561, "en") == "1,561"
    with translation.override("tr"):
        assert date_local(dt.date(2026, 12, 1), fmt="YEAR_MONTH_FORMAT") == "Aralık 2026"
