"""The FAQ export: a direct download in the import's own columns (question, alternatives
separated by |, answer, language, category, active), so an edited export imports back. A
business's FAQs are few (its FAQ limit), so the file is written at once with analytics'
writers rather than through a background export job."""

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from django.utils import timezone

from kazan.analytics.exports import CONTENT_TYPES, Cell, Table, write_csv, write_xlsx
from kazan.faq.queries import faq_list
from kazan.faq.services.imports import COLUMNS

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

FORMATS = {"csv": write_csv, "xlsx": write_xlsx}


def _rows(business: "Business") -> Iterator[list[Cell]]:
    return (
        [
            faq.question,
            " | ".join(faq.alternatives),
            faq.answer,
            faq.language,
            faq.category,
            "yes" if faq.is_active else "no",
        ]
        for faq in faq_list(business=business).iterator()
    )


def faq_table(*, business: "Business") -> Table:
    return Table(title="FAQ", headers=list(COLUMNS), rows=_rows(business))


def faq_export(*, business: "Business", file_format: str) -> tuple[bytes, str, str]:
    """(content, content type, file name) of the business's FAQs as CSV or XLSX."""
    writer = FORMATS[file_format]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"faq.{file_format}"
        writer(faq_table(business=business), path)
        content = path.read_bytes()
    name = f"faq-{business.slug}-{timezone.localdate():%Y-%m-%d}.{file_format}"
    return content, CONTENT_TYPES[file_format], name
