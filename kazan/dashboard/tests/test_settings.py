"""The business settings page: every field saved through business_update, bad input is a form
error (never a 500), and only roles with settings.edit may use it."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from kazan.activity.models import Activity
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
URL = "/dashboard/settings/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _image(fmt: str = "PNG", size=(64, 32), name: str = "logo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#1f7a5a").save(buffer, format=fmt)
    return SimpleUploadedFile(name, buffer.getvalue())


def _form(business, **overrides) -> dict:
    data = {
        "name": business.name,
        "address": business.address,
        "country": business.country,
        "language": business.language,
        "timezone": business.timezone,
        "currency": business.currency,
        "brand_color": business.brand_color,
        "website_url": "",
        "instagram_url": "",
        "facebook_url": "",
        "tiktok_url": "",
        "google_review_url": "",
        "voucher_discount_text": business.voucher_discount_text,
        "voucher_validity_days": business.voucher_validity_days,
        "allowed_countries": [],
    }
    data.update(overrides)
    return data


def test_url_name():
    assert reverse("dashboard:settings") == URL


def test_settings_page_shows_the_current_values(owner_client, business):
    response = owner_client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Café A"' in html and 'type="color"' in html
    assert 'value="Europe/Berlin" selected' in html
    assert 'enctype="multipart/form-data"' in html
    assert "style=" not in html


def test_owner_saves_every_setting_and_the_activity_names_only_the_fields(owner_client, business):
    data = _form(
        business,
        name="Café Alpha",
        address="Marktplatz 2, Köln",
        country="AT",
        language="de",
        timezone="Europe/Vienna",
        currency="chf",
        brand_color="#aa3300",
        greetings_de="Servus!",
        thank_you_texts_de=" Danke! ",
        greetings_en="",
        website_url="https://cafe-alpha.example",
        instagram_url="instagram.com/cafealpha",
        facebook_url="https://facebook.com/cafealpha",
        tiktok_url="https://tiktok.com/@cafealpha",
        google_review_url="https://g.page/r/cafealpha/review",
        voucher_discount_text="Ein Gratis-Kaffee",
        voucher_validity_days="60",
        allowed_countries=["DE", "AT", "CH"],
        logo=_image(),
    )

    response = owner_client.post(URL, data)

    assert response.status_code == 302 and response["Location"] == URL
    business.refresh_from_db()
    assert business.name == "Café Alpha" and business.country == "AT"
    assert business.language == "de" and business.timezone == "Europe/Vienna"
    assert business.currency == "CHF" and business.brand_color == "#aa3300"
    assert business.greetings == {"de": "Servus!"}
    assert business.thank_you_texts == {"de": "Danke!"}
    assert business.instagram_url == "https://instagram.com/cafealpha"
    assert business.google_review_url == "https://g.page/r/cafealpha/review"
    assert business.voucher_discount_text == "Ein Gratis-Kaffee"
    assert business.voucher_validity_days == 60
    assert business.allowed_countries == ["AT", "CH", "DE"]
    assert business.logo.name.startswith("logos/") and business.logo.name.endswith(".png")
    assert business.logo.storage.exists(business.logo.name)

    entry = Activity.objects.get(action="business.settings_edited")
    assert "logo" in entry.data["fields"] and "allowed_countries" in entry.data["fields"]
    assert "Servus" not in str(entry.data) and "Alpha" not in str(entry.data)  # names, no values


def test_saving_without_changes_records_nothing(owner_client, business):
    assert owner_client.post(URL, _form(business)).status_code == 302
    assert not Activity.objects.filter(action="business.settings_edited").exists()


def test_logo_is_replaced_and_removed(owner_client, business, django_capture_on_commit_callbacks):
    owner_client.post(URL, _form(business, logo=_image("JPEG", name="me.jpg")))
    business.refresh_from_db()
    first = business.logo.name
    assert first.endswith(".jpg")
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(URL, _form(business, logo=_image("WEBP", name="me.webp")))
    business.refresh_from_db()
    assert business.logo.name.endswith(".webp")
    assert not business.logo.storage.exists(first)  # the old file is gone

    owner_client.post(URL, _form(business, **{"logo-clear": "on"}))
    business.refresh_from_db()
    assert not business.logo


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"brand_color": "red"}, "brand_color", "#1f7a5a"),
        ({"brand_color": "#12345"}, "brand_color", "#1f7a5a"),
        ({"website_url": "not a url at all"}, "website_url", "valid URL"),
        ({"instagram_url": "javascript:alert(1)"}, "instagram_url", "valid URL"),
        ({"google_review_url": "ftp://example.com/x"}, "google_review_url", "valid URL"),
        ({"allowed_countries": ["DE", "XX"]}, "allowed_countries", "XX"),
        ({"country": "ZZ"}, "country", "ZZ"),
        ({"timezone": "Mars/Olympus"}, "timezone", "Mars/Olympus"),
        ({"language": "xx"}, "language", "xx"),
        ({"currency": "EURO"}, "currency", "three-letter"),
        ({"voucher_validity_days": "0"}, "voucher_validity_days", "greater than or equal"),
        ({"voucher_validity_days": "9999"}, "voucher_validity_days", "less than or equal"),
        ({"voucher_validity_days": "ten"}, "voucher_validity_days", "whole number"),
        ({"name": ""}, "name", "required"),
        ({"name": "x" * 500}, "name", "at most 120"),
        ({"greetings_tr": "x" * 301}, "greetings_tr", "at most 300"),
    ],
)
def test_bad_input_is_a_form_error(owner_client, business, overrides, field, message):
    response = owner_client.post(URL, _form(business, **overrides))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    business.refresh_from_db()
    assert business.name == "Café A"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("logo.png", b"\x89PNG" + b"\0" * (2 * 1024 * 1024)), "2 MB"),
        (SimpleUploadedFile("logo.png", b"this is not an image"), "not a PNG, JPEG or WebP"),
        (
            SimpleUploadedFile("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>'),
            "not a PNG, JPEG or WebP",
        ),
        (_image("GIF", name="logo.gif"), "not a PNG, JPEG or WebP"),
        (_image("PNG", size=(5000, 10)), "4096"),
        (SimpleUploadedFile("empty.png", b""), "empty"),
    ],
)
def test_bad_logos_are_refused_with_a_clear_message(owner_client, business, upload, message):
    response = owner_client.post(URL, _form(business, logo=upload))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["logo"])
    business.refresh_from_db()
    assert not business.logo


def test_junk_post_is_never_a_server_error(owner_client, business):
    response = owner_client.post(
        URL, {"name": "\x00", "allowed_countries": "x" * 5000, "voucher_validity_days": "1e99"}
    )
    assert response.status_code == 400


def test_manager_may_edit_settings_but_an_agent_may_not(client, business):
    client.force_login(MembershipFactory(business=business, role=Role.MANAGER).user)
    assert client.get(URL).status_code == 200
    client.force_login(MembershipFactory(business=business, role=Role.AGENT).user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, _form(business, name="Agent's café")).status_code == 403
    business.refresh_from_db()
    assert business.name == "Café A"


def test_settings_change_only_the_members_own_business(owner_client, business, other_business):
    owner_client.post(URL, _form(business, name="Mine"))
    other_business.refresh_from_db()
    assert other_business.name == "Shop B"


def test_business_update_validates_country_lists_and_currency_itself(business, owner):
    """The service refuses what a form might let through (API callers, the console)."""
    from kazan.core.errors import ValidationFailed
    from kazan.tenancy.services import business_update

    for bad in [
        {"allowed_countries": ["DE", "XX"]},
        {"allowed_countries": "DE"},
        {"country": "Germany"},
        {"currency": "EURO"},
        {"voucher_validity_days": 0},
    ]:
        with pytest.raises(ValidationFailed):
            business_update(business=business, actor=owner, **bad)
    updated = business_update(
        business=business, actor=owner, allowed_countries=["tr", "de", "DE"], currency="try"
    )
    assert updated.allowed_countries == ["DE", "TR"] and updated.currency == "TRY"
    assert Activity.objects.get(action="business.updated").data == {
        "fields": ["allowed_countries", "currency"]
    }


def test_a_bad_link_is_reported_once(owner_client, business):
    response = owner_client.post(URL, _form(business, website_url="not a url at all"))
    assert response.context["form"].errors["website_url"] == ["Enter a valid URL."]
    assert response.content.decode().count("Enter a valid URL.") == 1


def test_chat_texts_are_edited_per_language(owner_client, business):
    business.greetings = {"en": "Hi there!", "de": "Grüß Gott!"}
    business.save()
    html = owner_client.get(URL).content.decode()
    assert html.count("data-chat-texts") == 2
    for code in ("en", "de", "tr", "it", "es"):
        assert f'name="greetings_{code}"' in html and f'name="thank_you_texts_{code}"' in html
    assert "Grüß Gott!</textarea>" in html and "Hi there!</textarea>" in html

    owner_client.post(URL, _form(business, greetings_en="", greetings_de="Grüß Gott!"))
    business.refresh_from_db()
    assert business.greetings == {"de": "Grüß Gott!"}  # emptied = the default again
