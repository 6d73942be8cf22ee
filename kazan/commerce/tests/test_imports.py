import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from kazan.billing.testing import limits_give
from kazan.commerce.exports import products_export
from kazan.commerce.models import Category, Product, ProductMedia, ProductVariant
from kazan.commerce.services import catalog_import
from kazan.commerce.testing import product_factory, sicilian_shop
from kazan.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db

HEADER = (
    "sku,name,kind,category,price,currency,stock,active,retailer_id,attributes,"
    "variant,variant_price,variant_stock,image_url,starts_at\n"
)
GOOD = (
    HEADER
    + "BOX-1,Box Sicilia Clásica,product,Cajas regalo,45,EUR,20,yes,RET-1,taste=mixed,,,,https://cdn.example/box.png,\n"
    + "OIL,Aceite,product,Salados > Aceites,9,EUR,,yes,RET-2,,250 ml,9,30,,\n"
    + 'OIL,,,,,,,,,,500 ml,"15,50",20,,\n'
    + ",Cata de vinos,event,Eventos,35,EUR,30,yes,,,,,,,2026-05-12 19:00\n"
)


def _csv(text: str, name="catalog.csv"):
    return SimpleUploadedFile(name, text.encode("utf-8"))


def _xlsx(rows, name="catalog.xlsx"):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def test_dry_run_saves_nothing_then_import_saves_all(business, owner):
    report = catalog_import(business=business, upload=_csv(GOOD), dry_run=True, actor=owner)
    assert report.ok and not report.saved
    assert (report.created, report.updated, report.variants) == (3, 0, 2)
    assert not Product.objects.filter(business=business).exists()
    report = catalog_import(business=business, upload=_csv(GOOD), dry_run=False, actor=owner)
    assert report.saved
    box = Product.objects.get(business=business, sku="BOX-1")
    assert (box.price_minor, box.stock, box.retailer_id) == (4500, 20, "RET-1")
    assert box.attributes == {"taste": "mixed"} and box.category.name == "Cajas regalo"
    assert ProductMedia.objects.get(product=box).url == "https://cdn.example/box.png"
    oil = Product.objects.get(business=business, sku="OIL")
    assert oil.stock is None and oil.category.parent.name == "Salados"
    assert {(v.name, v.price_minor, v.stock) for v in oil.variants.all()} == {
        ("250 ml", 900, 30),
        ("500 ml", 1550, 20),
    }
    event = Product.objects.get(business=business, name="Cata de vinos")
    assert event.kind == "event" and event.starts_at.hour == 17  # 19:00 Berlin in summer
    # importing again updates instead of duplicating
    again = catalog_import(business=business, upload=_csv(GOOD), dry_run=False, actor=owner)
    assert (again.created, again.updated) == (0, 3)
    assert Product.objects.filter(business=business).count() == 3
    assert ProductVariant.objects.filter(product=oil).count() == 2
    assert Category.objects.filter(business=business, name="Salados").count() == 1


BAD_ROWS = [
    (",,product,,10,EUR,,,,,,,,,\n", "Please fill in the name"),
    ("A,Thing,product,,,EUR,,,,,,,,,\n", "price"),
    ("A,Thing,product,,ten,EUR,,,,,,,,,\n", "number"),
    ("A,Thing,product,,-3,EUR,,,,,,,,,\n", "number"),
    ("A,Thing,product,,1.234,EUR,,,,,,,,,\n", "decimals"),
    ("A,Thing,gadget,,1,EUR,,,,,,,,,\n", "product, service or event"),
    ("A,Thing,product,,1,EURO,,,,,,,,,\n", "three-letter"),
    ("A,Thing,product,,1,EUR,many,,,,,,,,\n", "whole number"),
    ("A,Thing,product,,1,EUR,,maybe,,,,,,,\n", "yes or no"),
    ("A,Thing,product,,1,EUR,,,,oops,,,,,\n", "key=value"),
    ("A,Thing,product,a > b > c,1,EUR,,,,,,,,,\n", "Subcategory"),
    ("A,Thing,product,,1,EUR,,,,,,,,http://x.example/a.png,\n", "https://"),
    ("A,Thing,event,,1,EUR,,,,,,,,,\n", "event needs a start"),
    ("A,Thing,event,,1,EUR,,,,,,,,,tomorrow\n", "date and time"),
    ("A,Thing,product,,1,EUR,,,,,V,abc,,,\n", "variant price"),
    ("A,Thing,product,,1,EUR,,,,,,,,,\nA,Other,product,,1,EUR,,,,,,,,,\n", "earlier row"),
    ("A,Thing,product,,1,EUR,,,R,,,,,,\nB,Other,product,,1,EUR,,,R,,,,,,\n", "retailer id"),
    ("A,Thing,product,,1,EUR,,,,,V,,,,\nA,,,,,,,,,,V,,,,\n", "variant is already"),
    ("A," + "x" * 201 + ",product,,1,EUR,,,,,,,,,\n", "too long"),
]


@pytest.mark.parametrize(("rows", "reason"), BAD_ROWS)
def test_every_bad_row_is_reported_with_its_line(business, owner, rows, reason):
    text = HEADER + "GOOD,Fine,product,,1,EUR,,,,,,,,,\n" + rows
    report = catalog_import(business=business, upload=_csv(text), dry_run=False, actor=owner)
    assert not report.ok and not report.saved
    lines = [line for line, _message in report.errors]
    assert lines and all(line >= 3 for line in lines), report.errors
    assert any(reason in message for _line, message in report.errors), report.errors
    assert not Product.objects.filter(business=business).exists()  # all or nothing


def test_retailer_id_of_an_existing_product_is_refused(business, owner):
    product_factory(business, name="Old", retailer_id="TAKEN")
    text = HEADER + "N,New,product,,1,EUR,,,TAKEN,,,,,,\n"
    report = catalog_import(business=business, upload=_csv(text), dry_run=True, actor=owner)
    assert report.errors == [(2, "Another product already has this retailer id.")]


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("x.csv", b"", "empty"),
        ("x.csv", b"\xff\xfe\x00bad", "UTF-8"),
        ("x.csv", b"sku,title\nA,B\n", "missing: name, price"),
        ("x.csv", b"name,price\n\n\n", "no products"),
        ("x.xlsx", b"not a zip", "Excel"),
    ],
)
def test_unreadable_files_are_refused_clearly(business, owner, name, content, reason):
    with pytest.raises(ValidationFailed) as caught:
        catalog_import(
            business=business, upload=SimpleUploadedFile(name, content), dry_run=True, actor=owner
        )
    assert reason in str(caught.value.message)


def test_too_many_rows_and_too_big(business, owner, monkeypatch):
    from kazan.commerce.services import imports

    monkeypatch.setattr(imports, "ROWS_MAX", 2)
    text = "name,price\n" + "".join(f"P{i},1\n" for i in range(3))
    with pytest.raises(ValidationFailed, match="At most 2 rows"):
        catalog_import(business=business, upload=_csv(text), dry_run=True, actor=owner)
    monkeypatch.setattr(imports, "FILE_MAX_BYTES", 10)
    with pytest.raises(ValidationFailed, match="too big"):
        catalog_import(business=business, upload=_csv(text), dry_run=True, actor=owner)


def test_xlsx_import_with_semicolon_free_numbers(business, owner):
    rows = [
        ["name", "price", "stock", "variant", "variant_stock"],
        ["Cannoli", 18, 25, None, None],
        ["Camiseta", 20.5, None, "M", 3],
        ["Camiseta", None, None, "L", 2.0],
        ["Broken", "abc", None, None, None],
    ]
    report = catalog_import(business=business, upload=_xlsx(rows), dry_run=True, actor=owner)
    assert report.errors and report.errors[0][0] == 5
    report = catalog_import(business=business, upload=_xlsx(rows[:4]), dry_run=False, actor=owner)
    assert report.saved
    shirt = Product.objects.get(business=business, name="Camiseta")
    assert shirt.price_minor == 2050
    assert sorted(shirt.variants.values_list("name", "stock")) == [("L", 2), ("M", 3)]


def test_semicolon_csv_with_bom(business, owner):
    text = "\ufeffname;price;currency\nPastel;3,20;EUR\n"
    report = catalog_import(business=business, upload=_csv(text), dry_run=False, actor=owner)
    assert report.saved
    assert Product.objects.get(business=business).price_minor == 320


def test_import_respects_the_plans_product_limit(business, owner):
    limits_give(business, products=2)
    text = "name,price\nA,1\nB,1\nC,1\n"
    report = catalog_import(business=business, upload=_csv(text), dry_run=False, actor=owner)
    assert report.errors and report.errors[-1][0] == 0
    assert "Your plan allows 2 products." in report.errors[-1][1]
    assert not Product.objects.exists()


def test_export_round_trips_through_import(business, other_business, owner):
    sicilian_shop(business)
    for file_format in ("csv", "xlsx"):
        content, _type, name = products_export(business=business, file_format=file_format)
        assert name.endswith(file_format) and content
        report = catalog_import(
            business=other_business,
            upload=SimpleUploadedFile(f"x.{file_format}", content),
            dry_run=True,
            actor=owner,
        )
        assert report.ok, report.errors
        assert report.created == Product.objects.filter(business=business).count()
    report = catalog_import(
        business=business,
        upload=SimpleUploadedFile(
            "x.csv", products_export(business=business, file_format="csv")[0]
        ),
        dry_run=True,
        actor=owner,
    )
    assert report.ok and report.created == 0


def test_export_registered_for_staff_exports(business):
    from kazan.analytics.exports import table_for

    sicilian_shop(business)
    table = table_for(kind="products", business=business, filters={})
    rows = list(table.rows)
    assert table.headers[:2] == ["sku", "name"]
    assert any(row[1] == "Degustación Siciliana" for row in rows)


def test_import_and_export_pages(owner_client, business):
    response = owner_client.post("/dashboard/shop/import/", {"file": _csv(GOOD)})
    assert response.status_code == 200
    token = response.context["token"]
    assert token and b'id="import-confirm"' in response.content
    assert not Product.objects.filter(business=business).exists()
    response = owner_client.post("/dashboard/shop/import/", {"token": token})
    assert response.status_code == 302
    assert Product.objects.filter(business=business).count() == 3
    bad = owner_client.post(
        "/dashboard/shop/import/", {"file": _csv(HEADER + ",,product,,x,EUR,,,,,,,,,\n")}
    )
    assert bad.status_code == 400 and b'id="import-errors"' in bad.content
    assert "Row 2" in bad.content.decode()
    junk = owner_client.post("/dashboard/shop/import/", {"file": _csv("")})
    assert junk.status_code == 400
    expired = owner_client.post("/dashboard/shop/import/", {"token": "nope"})
    assert expired.status_code == 400 and "expired" in expired.content.decode()
    export = owner_client.get("/dashboard/shop/export/?format=xlsx")
    assert export["Content-Disposition"].startswith("attachment")
    sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
    assert sheet.max_row == 5  # header + 3 products, the oil twice (two variants)
    assert owner_client.get("/dashboard/shop/export/?format=pdf")["Content-Type"].startswith(
        "text/csv"
    )


def test_confirm_fails_whole_when_a_clash_appears_meanwhile(business, owner):
    text = "sku,name,price,retailer_id\nA,New,1,R-1\n"
    report = catalog_import(business=business, upload=_csv(text), dry_run=True, actor=owner)
    assert report.ok
    product_factory(business, name="Meanwhile", retailer_id="R-1")
    report = catalog_import(business=business, upload=_csv(text), dry_run=False, actor=owner)
    assert not report.saved and report.errors
