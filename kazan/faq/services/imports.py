"""Bulk import of FAQs from CSV or XLSX: every row is checked first (a dry run reports each
bad row by its line), then all rows are saved in one transaction or none. A row whose question
already exists in its language updates that FAQ, so an export edited and imported again
round-trips. Columns: question, alternatives (separated by |), answer, language, category,
active."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from kazan.activity.services import activity_record
from kazan.core.entitlements import Limit, PlanLimitReached, plan_allows
from kazan.core.errors import KazanError, ValidationFailed
from kazan.core.spreadsheets import ImportReport as SpreadsheetImportReport
from kazan.core.spreadsheets import (
    spreadsheet_table,
    upload_stage,
    upload_staged,
    upload_unstage,
    yes_no,
)
from kazan.faq.error_codes import FaqErrorCode
from kazan.faq.models import Faq
from kazan.faq.queries import faq_count
from kazan.faq.services.faqs import faq_clean, faqs_changed

if TYPE_CHECKING:
    from kazan.accounts.types import Actor
    from kazan.tenancy.models import Business

COLUMNS = ("question", "alternatives", "answer", "language", "category", "active")
FILE_MAX_BYTES = 2 * 1024 * 1024
ROWS_MAX = 5000


@dataclass
class ImportRow:
    line: int
    fields: dict[str, Any]
    is_active: bool
    updates_id: int | None = None  # the FAQ it updates


ImportReport = SpreadsheetImportReport[ImportRow]


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message, code=FaqErrorCode.INVALID_IMPORT)


def faq_import_check(*, business: Business, file_name: str, content: bytes) -> ImportReport:
    """Reads and checks every row without saving (the dry run): the rows, and each bad row's
    line and reason."""
    rows, where = spreadsheet_table(
        file_name,
        content,
        columns=COLUMNS,
        required=("question", "answer"),
        max_bytes=FILE_MAX_BYTES,
        max_rows=ROWS_MAX,
        invalid=_invalid,
    )
    existing = {
        (language, question.casefold()): pk
        for pk, language, question in Faq.objects.filter(business=business).values_list(
            "pk", "language", "question"
        )
    }
    report = ImportReport()
    seen: set[tuple[str, str]] = set()
    for line, cells in enumerate(rows, start=2):
        if not any(cell.strip() for cell in cells):
            continue

        def cell(name: str, cells: list[str] = cells) -> str:
            index = where.get(name)
            return cells[index] if index is not None and index < len(cells) else ""

        try:
            fields = faq_clean(
                question=cell("question"),
                alternatives=cell("alternatives").split("|"),
                answer=cell("answer"),
                language=cell("language").strip().lower() or business.language,
                category=cell("category"),
            )
        except KazanError as error:
            report.errors.append((line, str(error.message)))
            continue
        active = yes_no(cell("active"))
        if active is None:
            report.errors.append((line, _("Active must be yes or no.")))
            continue
        key = (fields["language"], fields["question"].casefold())
        if key in seen:
            report.errors.append((line, _("This question is already in an earlier row.")))
            continue
        seen.add(key)
        report.rows.append(ImportRow(line, fields, active, existing.get(key)))
    if not report.rows and not report.errors:
        raise _invalid(_("The file has no FAQs."))
    if report.created:
        try:
            plan_allows(business=business, key=Limit.FAQS, adding=report.created)
        except PlanLimitReached as refused:
            report.errors.append((0, str(refused.message)))
    return report


def faq_import(
    *,
    business: Business,
    actor: Actor,
    file_name: str,
    content: bytes,
    dry_run: bool = True,
    actor_kind: str | None = None,
) -> ImportReport:
    """The dry run's report; without `dry_run` and with no bad row, every row saved in one
    transaction (a new FAQ, or the update of the one with the same question)."""
    report = faq_import_check(business=business, file_name=file_name, content=content)
    if dry_run or not report.ok:
        return report
    with transaction.atomic():
        plan_allows(business=business, key=Limit.FAQS, adding=report.created)
        position = faq_count(business=business)
        updates = {row.updates_id: row for row in report.rows if row.updates_id is not None}
        for faq in Faq.objects.select_for_update().filter(business=business, pk__in=updates):
            row = updates[faq.pk]
            for key, value in row.fields.items():
                setattr(faq, key, value)
            faq.is_active = row.is_active
            faq.save()
        new = []
        for row in report.rows:
            if row.updates_id is None:
                position += 1
                new.append(
                    Faq(business=business, is_active=row.is_active, position=position, **row.fields)
                )
        Faq.objects.bulk_create(new)
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="faq.imported",
            data={"created": report.created, "updated": report.updated},
        )
        faqs_changed(business)
    report.saved = True
    return report


# --- between the dry run and the confirmation ---------------------------------------------------


def _scope(business: Business) -> str:
    return f"faq:import:{business.pk}"


def faq_import_stage(*, business: Business, file_name: str, content: bytes) -> str:
    """Keeps an uploaded file for an hour under a random token bound to the business."""
    return upload_stage(scope=_scope(business), file_name=file_name, content=content)


def faq_import_staged(*, business: Business, token: str) -> tuple[str, bytes]:
    """The file staged under `token` for this business (another business's token is unknown)."""
    return upload_staged(scope=_scope(business), token=token, invalid=_invalid)


def faq_import_unstage(*, business: Business, token: str) -> None:
    upload_unstage(scope=_scope(business), token=token)
