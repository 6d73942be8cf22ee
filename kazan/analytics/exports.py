"""Report sources and file writers of the console's exports.

A *source* turns validated filters into `Table(headers, rows)`, where `rows` is an iterator that
reads the database in chunks (`QuerySet.iterator`), so a list of 100,000 customers is never held
in memory. A *writer* streams such rows into a file: CSV row by row, Excel with xlsxwriter's
constant-memory mode (each row is flushed to disk as soon as the next one starts), PDF page by
page with `pdfstream` (each page is written to the file as soon as it is full).

Cell values a source may yield: str, int, float, Decimal, bool, None, date and naive datetime
(already in the report's time zone, which the column header names). Personal data is masked
here, at the source: phones and emails are never written in full.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import itertools
import re
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from kazan.core.errors import ValidationFailed
from kazan.core.masking import email_mask

CHUNK_SIZE = 2000
# Excel's hard limit is 1,048,576 rows per sheet, one of which is the header.
XLSX_MAX_ROWS = 1_048_575
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
DATE_FORMAT = "%Y-%m-%d"

Cell = str | int | float | decimal.Decimal | bool | dt.date | dt.datetime | None


@dataclass
class Table:
    """What a source returns. `widths` are relative column widths for the PDF (optional)."""

    title: str
    headers: list[str]
    rows: Iterator[list[Cell]] | Iterable[list[Cell]]
    widths: list[float] = field(default_factory=list)


# --- cell helpers --------------------------------------------------------------------------------


def local_naive(value: dt.datetime | None, tz: dt.tzinfo) -> dt.datetime | None:
    """An aware datetime as a naive one in `tz`, to the minute (what every writer can hold)."""
    if value is None:
        return None
    return timezone.localtime(value, tz).replace(tzinfo=None, second=0, microsecond=0)


def yes_no(value: bool | None) -> str:
    return _("yes") if value else _("no")


def cell_text(value: Cell) -> str:
    """How a cell reads in CSV and PDF: plain numbers, ISO dates, empty for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, dt.datetime):
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, dt.date):
        return value.strftime(DATE_FORMAT)
    return str(value)


# A cell a spreadsheet would run as a formula starts with one of these. Number-like text (a masked
# phone "+49••••678", "-5") has no letters, so no function can be named in it and it stays as is.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_HARMLESS_SIGNED = re.compile(r"^[+-][0-9\s•.,()/-]*$")


def csv_safe(text: str) -> str:
    """Neutralises CSV formula injection (a customer may call themself "=HYPERLINK(…)")."""
    if text.startswith(_FORMULA_START) and not _HARMLESS_SIGNED.match(text):
        return "'" + text
    return text


# --- writers -------------------------------------------------------------------------------------


def write_csv(table: Table, path: Path) -> int:
    """UTF-8 with a byte-order mark, so Excel opens umlauts and ğ correctly. Returns the rows."""
    count = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([csv_safe(str(h)) for h in table.headers])
        for row in table.rows:
            writer.writerow([csv_safe(cell_text(value)) for value in row])
            count += 1
    return count


def write_xlsx(table: Table, path: Path) -> int:
    """One sheet, constant memory: xlsxwriter keeps only the current row. Text is always written
    as text (never as a formula or a link)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "tmpdir": str(path.parent),
        },
    )
    try:
        sheet = workbook.add_worksheet(_sheet_name(table.title))
        bold = workbook.add_format({"bold": True})
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        datetime_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        for column, header in enumerate(table.headers):
            sheet.set_column(column, column, min(max(len(str(header)) + 2, 12), 40))
        sheet.write_row(0, 0, [str(h) for h in table.headers], bold)
        sheet.freeze_panes(1, 0)
        count = 0
        for row in table.rows:
            if count >= XLSX_MAX_ROWS:
                raise ValidationFailed(
                    _("This export has more rows than an Excel sheet can hold. Choose CSV."),
                    code="too_many_rows",
                )
            count += 1
            for column, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, bool):
                    sheet.write_string(count, column, yes_no(value))
                elif isinstance(value, int | float | decimal.Decimal):
                    sheet.write_number(count, column, float(value))
                elif isinstance(value, dt.datetime):
                    sheet.write_datetime(count, column, value, datetime_format)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(count, column, value, date_format)
                else:
                    sheet.write_string(count, column, str(value))
    finally:
        workbook.close()
    return count


def _sheet_name(title: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", str(title)).strip()
    return (cleaned or "Export")[:31]


PDF_FONT_SIZE = 7.5
PDF_ROW_HEIGHT = 11.0
MM = 72 / 25.4
A4_LANDSCAPE = (297 * MM, 210 * MM)


def _fit(pdf, text: str, width: float) -> str:
    """A cell's text on one line, cut with an ellipsis to fit `width` points."""
    text = " ".join(text.split())
    size = PDF_FONT_SIZE
    if pdf.string_width(text, size=size) <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with the ellipsis
        middle = (low + high + 1) // 2
        if pdf.string_width(text[:middle] + "…", size=size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low] + "…"


def _column_widths(weights: list[float], minimums: list[float], usable: float) -> list[float]:
    """Widths in proportion to `weights` that fill `usable`, none below its minimum (the others
    give up the difference in proportion) — unless the minimums alone overflow the page."""
    fixed: dict[int, float] = {}
    while True:
        free = usable - sum(fixed.values())
        rest = [n for n in range(len(weights)) if n not in fixed]
        total = sum(weights[n] for n in rest) or 1
        widths = {n: free * weights[n] / total for n in rest}
        short = {n for n in rest if widths[n] < minimums[n]}
        if not short or free <= 0:
            break
        fixed.update({n: minimums[n] for n in short})
    return [fixed[n] if n in fixed else max(widths[n], 0.0) for n in range(len(weights))]


def write_pdf(table: Table, path: Path) -> int:
    """Landscape A4, the header repeated on every page (each header wrapped over as many lines
    as its column needs), one line per row (long cells are cut with "…"). Each page goes to the
    file as soon as it is full (see pdfstream)."""
    from kazan.analytics.pdfstream import PdfStreamWriter

    page_width, page_height = A4_LANDSCAPE
    margin = 12 * MM
    usable = page_width - 2 * margin
    weights = table.widths if len(table.widths) == len(table.headers) else [1] * len(table.headers)
    padding = 2.0
    top = page_height - margin
    title = str(table.title)
    generated = timezone.now().strftime("%Y-%m-%d %H:%M UTC")

    with open(path, "wb") as out:
        pdf = PdfStreamWriter(out, width=page_width, height=page_height, title=title)
        # Headers are never cut: each column is at least as wide as its header's longest word,
        # and a long header takes as many lines as its column needs.
        needed = [
            pdf.min_wrap_width(str(header), size=PDF_FONT_SIZE, bold=True) + 2 * padding
            for header in table.headers
        ]
        widths = _column_widths(weights, needed, usable)
        lefts = [margin + sum(widths[:n]) for n in range(len(widths))]
        header_lines = [
            pdf.wrap(str(header), width - 2 * padding, size=PDF_FONT_SIZE, bold=True)
            for header, width in zip(table.headers, widths, strict=True)
        ]
        header_height = max((len(lines) for lines in header_lines), default=1) * PDF_ROW_HEIGHT
        first_row_y = top - 10 - 6 - header_height - PDF_ROW_HEIGHT
        rows_per_page = max(int((first_row_y - margin) // PDF_ROW_HEIGHT) + 1, 1)
        page_number = 0

        def page_start() -> float:
            nonlocal page_number
            page_number += 1
            pdf.new_page()
            pdf.text(margin, top - 10, title, size=10, bold=True)
            footer = _("Generated %(when)s · page %(page)d") % {
                "when": generated,
                "page": page_number,
            }
            size = PDF_FONT_SIZE
            pdf.text(
                page_width - margin - pdf.string_width(footer, size=size),
                top - 10,
                footer,
                size=size,
            )
            y = top - 10 - 6 - PDF_ROW_HEIGHT
            for lines, left in zip(header_lines, lefts, strict=True):
                for n, line in enumerate(lines):
                    pdf.text(left + padding, y - n * PDF_ROW_HEIGHT, line, size=size, bold=True)
            y -= header_height - PDF_ROW_HEIGHT
            pdf.line(margin, y - 3, page_width - margin, y - 3)
            return y - PDF_ROW_HEIGHT

        count = 0
        on_page = 0
        y = page_start()
        for row in table.rows:
            if on_page == rows_per_page:
                pdf.end_page()
                y = page_start()
                on_page = 0
            for value, left, width in zip(row, lefts, widths, strict=False):
                cell = cell_text(value)
                if cell:
                    cell = _fit(pdf, cell, width - 2 * padding)
                    pdf.text(left + padding, y, cell, size=PDF_FONT_SIZE)
            y -= PDF_ROW_HEIGHT
            on_page += 1
            count += 1
        if count == 0:
            pdf.text(margin + padding, y, _("No rows match these filters."), size=PDF_FONT_SIZE)
        pdf.end_page()
        pdf.close()
    return count


WRITERS: dict[str, Callable[[Table, Path], int]] = {
    "csv": write_csv,
    "xlsx": write_xlsx,
    "pdf": write_pdf,
}

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


# --- sources -------------------------------------------------------------------------------------


def _count_of(queryset) -> Coalesce:
    """COALESCE((SELECT COUNT(*) … per outer customer), 0) — one correlated subquery, no N+1."""
    counted = queryset.order_by().values("customer_id").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def customers_source(*, business, filters: dict) -> Table:
    """The business's customers (erased ones never), most recently active first (or in the
    dashboard list's `sort`), filtered by last interaction in [since, until] (the business's
    local days), name (or a phone, its last digits or an email, as in the dashboard's search),
    having received one of its campaigns, and the dashboard list's own filters (SMS consent,
    tag, rating, review, voucher) — so a team's export holds exactly the list it was looking at."""
    from kazan.campaigns.models import CampaignRecipient
    from kazan.core.masking import phone_mask
    from kazan.customers.queries import CUSTOMER_SORT_DEFAULT, customer_list
    from kazan.loyalty.models import Review, Voucher

    tz = zoneinfo.ZoneInfo(business.timezone)
    since, until = _range(filters, tz)
    yes_no_filter = {"yes": True, "no": False}
    customers = customer_list(
        business=business,
        search=filters.get("name", ""),
        since=since,
        until=until,
        consent=yes_no_filter.get(filters.get("consent", "")),
        tag=filters.get("tag"),
        min_rating=filters.get("rating"),
        reviewed=yes_no_filter.get(filters.get("reviewed", "")),
        voucher=filters.get("voucher"),
        sort=filters.get("sort", CUSTOMER_SORT_DEFAULT),
    ).prefetch_related(None)
    campaign_id = filters.get("campaign")
    if campaign_id:
        customers = customers.filter(
            Exists(
                CampaignRecipient.objects.filter(
                    business=business, campaign_id=campaign_id, customer_id=OuterRef("pk")
                )
            )
        )
    customers = customers.annotate(
        review_total=_count_of(Review.objects.filter(business=business, customer=OuterRef("pk"))),
        vouchers_used=_count_of(
            Voucher.objects.filter(
                business=business, customer=OuterRef("pk"), redeemed_at__isnull=False
            )
        ),
    ).values_list(
        "name",
        "phone_e164",
        "email",
        "language",
        "first_interaction_at",
        "last_interaction_at",
        "sms_consent",
        "review_total",
        "vouchers_total",
        "vouchers_used",
    )
    yes, no = yes_no(True), yes_no(False)

    def rows() -> Iterator[list[Cell]]:
        for (
            name,
            phone,
            email,
            language,
            first,
            last,
            consent,
            reviews,
            issued,
            used,
        ) in customers.iterator(chunk_size=CHUNK_SIZE):
            yield [
                name,
                phone_mask(phone or ""),
                email_mask(email or ""),
                language,
                local_naive(first, tz),
                local_naive(last, tz),
                yes if consent else no,
                reviews,
                issued,
                used,
            ]

    zone = business.timezone
    return Table(
        title=_("Customers of %(business)s") % {"business": business.name},
        headers=[
            _("Name"),
            _("Phone"),
            _("Email"),
            _("Language"),
            _("First interaction (%(tz)s)") % {"tz": zone},
            _("Last interaction (%(tz)s)") % {"tz": zone},
            _("SMS offers"),
            _("Reviews"),
            _("Vouchers issued"),
            _("Vouchers redeemed"),
        ],
        rows=rows(),
        widths=[3, 1.6, 2.2, 1, 1.7, 1.7, 1, 0.9, 1.1, 1.2],
    )


def activity_source(*, business, filters: dict) -> Table:
    """The activity log of the whole platform (or one business), newest first, in UTC, each
    entry as the sentence the console shows (activity's registry, for platform staff), read and
    described a chunk at a time: one query per kind of target per chunk, none per row."""
    from kazan.activity.queries import activity_list
    from kazan.activity.registry import Viewer, activity_describe

    since, until = _range(filters, dt.UTC)
    entries = activity_list(
        business=business,
        actor_id=filters.get("actor"),
        action=filters.get("action") or None,
        since=since,
        until=until,
        all_businesses=True,
    )
    if filters.get("actor_kind"):
        entries = entries.filter(actor_kind=filters["actor_kind"])
    viewer = Viewer(staff=True)

    def rows() -> Iterator[list[Cell]]:
        for chunk in itertools.batched(entries.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
            for line in activity_describe(chunk, viewer=viewer):
                entry = line.entry
                yield [
                    local_naive(entry.created_at, dt.UTC),
                    entry.business.name if entry.business else _("Platform"),
                    line.actor,
                    line.label,
                    line.text,
                ]

    return Table(
        title=_("Activity log"),
        headers=[_("Time (UTC)"), _("Business"), _("Who"), _("Type"), _("What happened")],
        rows=rows(),
        widths=[1.3, 1.8, 1.8, 1.8, 7],
    )


def businesses_source(*, business, filters: dict) -> Table:
    """Every business with its customers, QR scans over the last 30 days (UTC days; the daily
    counters are kept per local day, so a scan near midnight may count a day early or late) and
    SMS credits left. Three correlated subqueries, one query in all."""
    from kazan.analytics.models import DailyCount, EventKind
    from kazan.customers.models import Customer
    from kazan.messaging.models import SmsCreditAccount
    from kazan.tenancy.models import Business

    first_day = timezone.now().date() - dt.timedelta(days=29)
    customers = (
        Customer.objects.filter(business=OuterRef("pk"), erased_at__isnull=True)
        .order_by()
        .values("business")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    scans = (
        DailyCount.objects.filter(
            business=OuterRef("pk"), kind=EventKind.QR_SCAN, day__gte=first_day
        )
        .order_by()
        .values("business")
        .annotate(n=Sum("count"))
        .values("n")[:1]
    )
    credits = SmsCreditAccount.objects.filter(business=OuterRef("pk")).values("balance")[:1]
    businesses = (
        Business.objects.annotate(
            customers_total=Coalesce(Subquery(customers, output_field=IntegerField()), Value(0)),
            scans_30d=Coalesce(Subquery(scans, output_field=IntegerField()), Value(0)),
            sms_left=Coalesce(Subquery(credits, output_field=IntegerField()), Value(0)),
        )
        .order_by("slug")
        .values_list(
            "slug",
            "name",
            "status",
            "country",
            "created_at",
            "customers_total",
            "scans_30d",
            "sms_left",
        )
    )
    statuses = dict(Business.Status.choices)

    def rows() -> Iterator[list[Cell]]:
        for slug, name, status, country, created, total, scans_30d, sms_left in businesses.iterator(
            chunk_size=CHUNK_SIZE
        ):
            yield [
                slug,
                name,
                str(statuses.get(status, status)),
                country,
                timezone.localtime(created, dt.UTC).date(),
                total,
                scans_30d,
                sms_left,
            ]

    return Table(
        title=_("Businesses"),
        headers=[
            _("Address"),
            _("Name"),
            _("Status"),
            _("Country"),
            _("Created (UTC)"),
            _("Customers"),
            _("QR scans, last 30 days"),
            _("SMS credits left"),
        ],
        rows=rows(),
        widths=[2, 3, 1, 0.8, 1.2, 1, 1.4, 1.2],
    )


def revenue_source(*, business, filters: dict) -> Table:
    """Billing's payments report over the UTC days [since, until]; billing owns its columns."""
    from kazan.billing.revenue import revenue_report_rows

    since, until = filters.get("since"), filters.get("until")
    headers, rows = revenue_report_rows(
        since=dt.date.fromisoformat(since) if since else None,
        until=dt.date.fromisoformat(until) if until else None,
    )
    return Table(
        title=_("Revenue"),
        headers=[str(h) for h in headers],
        rows=rows,
        widths=[1.1, 1.1, 2.6, 1.8, 1.8, 1.2, 1, 1, 0.8, 1] if len(headers) == 10 else [],
    )


def _range(filters: dict, tz: dt.tzinfo) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The filters' inclusive local days [since, until] as [start, end) instants in `tz`."""
    since = filters.get("since")
    until = filters.get("until")
    start = (
        dt.datetime.combine(dt.date.fromisoformat(since), dt.time.min, tzinfo=tz) if since else None
    )
    end = (
        dt.datetime.combine(
            dt.date.fromisoformat(until) + dt.timedelta(days=1), dt.time.min, tzinfo=tz
        )
        if until
        else None
    )
    return start, end


@dataclass(frozen=True)
class Source:
    """A kind of export: how it reads, which filters it takes, whether it needs a business."""

    build: Callable[..., Table]
    filters: frozenset[str]
    business: str  # "required", "optional" or "none"


SOURCES: dict[str, Source] = {
    "customers": Source(
        customers_source,
        frozenset(
            {
                "since",
                "until",
                "name",
                "campaign",
                "consent",
                "tag",
                "rating",
                "reviewed",
                "voucher",
                "sort",
            }
        ),
        "required",
    ),
    "activity": Source(
        activity_source,
        frozenset({"since", "until", "actor", "actor_kind", "action"}),
        "optional",
    ),
    "businesses": Source(businesses_source, frozenset(), "none"),
    "revenue": Source(revenue_source, frozenset({"since", "until"}), "none"),
}


def table_for(*, kind: str, business, filters: dict) -> Table:
    return SOURCES[kind].build(business=business, filters=filters)
