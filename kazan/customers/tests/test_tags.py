"""Issue 9 (18): the team manages its tags — create, rename, recolor, delete — and puts them on
one customer (their page) or on a selection from the list; all scoped to the business, unique
per business, recorded in the activity log; agents only see and filter by them."""

import pytest
from django.urls import reverse

from kazan.activity.models import Activity
from kazan.core.errors import NotFound, ValidationFailed
from kazan.customers import services
from kazan.customers.models import Customer, Tag
from kazan.customers.normalize import TAGS_MAX
from kazan.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
TAGS = reverse("customers:tags")
BULK = reverse("customers:bulk_tag")


def _tags_of(customer: Customer) -> set[str]:
    return set(customer.tags.values_list("name", flat=True))


def test_create_rename_recolor_and_delete_are_logged(business, owner):
    tag = services.tag_create(business=business, name="  Vegan ", color="green", actor=owner)
    assert (tag.name, tag.color) == ("Vegan", "green")
    anna = CustomerFactory(business=business, tags=["Vegan"])
    services.tag_update(business=business, tag=tag, name="Plant based", color="blue", actor=owner)
    assert _tags_of(anna) == {"Plant based"}
    assert services.tag_delete(business=business, tag=tag, actor=owner) == 1
    assert _tags_of(anna) == set() and Customer.objects.filter(pk=anna.pk).exists()
    logged = dict(Activity.objects.filter(action__startswith="tag.").values_list("action", "data"))
    assert logged == {
        "tag.created": {"color": "green"},
        "tag.updated": {"fields": ["color", "name"]},
        "tag.deleted": {"customers": 1, "name": "Plant based"},
    }


def test_names_are_unique_per_business_ignoring_case(business, other_business, owner):
    services.tag_create(business=business, name="VIP", actor=owner)
    with pytest.raises(ValidationFailed) as exc:
        services.tag_create(business=business, name="vip", actor=owner)
    assert exc.value.code == "duplicate_tag"
    regular = services.tag_create(business=business, name="Regular", actor=owner)
    with pytest.raises(ValidationFailed):
        services.tag_update(business=business, tag=regular, name="Vip", color="gray", actor=owner)
    services.tag_update(business=business, tag=regular, name="REGULAR", color="gray", actor=owner)
    # Another business may use the same name.
    assert services.tag_create(business=other_business, name="VIP", actor=owner).pk


@pytest.mark.parametrize(("name", "color"), [("", "gray"), ("x" * 41, "gray"), ("ok", "pink")])
def test_bad_names_and_colors_are_refused(business, owner, name, color):
    with pytest.raises(ValidationFailed):
        services.tag_create(business=business, name=name, color=color, actor=owner)


def test_tagging_keeps_to_the_business_and_skips_erased(business, other_business, owner):
    tag = services.tag_create(business=business, name="VIP", actor=owner)
    anna, bert = CustomerFactory(business=business), CustomerFactory(business=business)
    gone = CustomerFactory(business=business)
    services.customer_erase(business=business, customer=gone, actor=owner)
    stranger = CustomerFactory(business=other_business)
    changed = services.customers_tag(
        business=business,
        tag=tag,
        customer_ids=[anna.pk, bert.pk, gone.pk, stranger.pk, 10**9],
        add=True,
        actor=owner,
    )
    assert changed == sorted([anna.pk, bert.pk])
    assert _tags_of(stranger) == set() and _tags_of(gone) == set()
    assert Activity.objects.get(action="tag.added").data == {"customers": changed}
    # Adding again changes nothing and logs nothing.
    assert (
        services.customers_tag(
            business=business, tag=tag, customer_ids=[anna.pk], add=True, actor=owner
        )
        == []
    )
    assert (
        services.customers_tag(
            business=business, tag=tag, customer_ids=[anna.pk, bert.pk], add=False, actor=owner
        )
        == changed
    )
    assert _tags_of(anna) == set()
    with pytest.raises(NotFound):
        services.customers_tag(
            business=other_business, tag=tag, customer_ids=[stranger.pk], add=True, actor=owner
        )


def test_a_customer_may_not_get_more_than_the_maximum_of_tags(business, owner):
    anna = CustomerFactory(business=business, tags=[f"t{n}" for n in range(TAGS_MAX)])
    extra = services.tag_create(business=business, name="one more", actor=owner)
    with pytest.raises(ValidationFailed):
        services.customers_tag(
            business=business, tag=extra, customer_ids=[anna.pk], add=True, actor=owner
        )


def test_the_tags_page_creates_renames_and_deletes(owner_client, business):
    assert owner_client.post(TAGS, {"name": "Vegan", "color": "green"}).status_code == 302
    tag = Tag.objects.get(business=business)
    page = owner_client.get(TAGS)
    assert "tag-green" in page.text and "Vegan" in page.text
    duplicate = owner_client.post(TAGS, {"name": "vegan", "color": "red"})
    assert duplicate.status_code == 400
    edit = reverse("customers:tag_edit", args=[tag.pk])
    assert owner_client.post(edit, {"name": "Veggie", "color": "blue"}).status_code == 302
    tag.refresh_from_db()
    assert (tag.name, tag.color) == ("Veggie", "blue")
    assert owner_client.post(edit, {"name": "", "color": "nope"}).status_code == 400
    assert owner_client.post(reverse("customers:tag_delete", args=[tag.pk])).status_code == 302
    assert not Tag.objects.filter(pk=tag.pk).exists()


def test_the_customer_page_adds_and_removes_a_tag(owner_client, business, owner):
    anna = CustomerFactory(business=business)
    tag = services.tag_create(business=business, name="VIP", color="purple", actor=owner)
    url = reverse("customers:tags_assign", args=[anna.pk])
    detail = reverse("customers:detail", args=[anna.pk])
    assert 'id="tag-add"' in owner_client.get(detail).text
    assert owner_client.post(url, {"tag": tag.pk, "action": "add"}).status_code == 302
    assert _tags_of(anna) == {"VIP"}
    assert "tag-purple" in owner_client.get(detail).text
    owner_client.post(url, {"tag": tag.pk, "action": "remove"})
    assert _tags_of(anna) == set()


def test_bulk_tagging_from_the_list_keeps_the_filters(owner_client, business, owner):
    tag = services.tag_create(business=business, name="VIP", actor=owner)
    anna, bert, cora = (CustomerFactory(business=business) for _ in range(3))
    response = owner_client.post(
        BULK,
        {
            "tag": tag.pk,
            "action": "add",
            "customer": [anna.pk, bert.pk],
            "query": "q=a&sort=name&page=3",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:list") + "?q=a&sort=name"
    assert {_tags_of(c) == {"VIP"} for c in (anna, bert)} == {True}
    assert _tags_of(cora) == set()
    listing = owner_client.get(reverse("customers:list"))
    assert 'id="bulk-tags"' in listing.text and 'form="bulk-tags"' in listing.text


@pytest.mark.parametrize(
    "data",
    [
        {"action": "add", "customer": ["1"]},  # no tag
        {"tag": "999999", "action": "add", "customer": ["1"]},
        {"tag": "abc", "action": "add", "customer": ["1"]},
        {"action": "explode", "customer": ["1"]},
        {"action": "add", "customer": ["x"]},
        {"action": "add", "customer": ["9" * 40]},
        {"action": "add"},  # nothing selected
        {"action": "add", "customer": ["1"], "query": "https://evil.example/"},
    ],
)
def test_bad_bulk_input_is_a_message_never_a_500(owner_client, business, owner, data):
    tag = services.tag_create(business=business, name="VIP", actor=owner)
    data = {"tag": tag.pk, **data}
    response = owner_client.post(BULK, data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("customers:list"))


def test_agents_see_tags_but_cannot_manage_them(agent_client, business, owner):
    anna = CustomerFactory(business=business)
    tag = services.tag_create(business=business, name="VIP", actor=owner)
    assert agent_client.get(TAGS).status_code == 403
    assert agent_client.post(TAGS, {"name": "x", "color": "gray"}).status_code == 403
    response = agent_client.post(BULK, {"tag": tag.pk, "action": "add", "customer": [anna.pk]})
    assert response.status_code == 403
    url = reverse("customers:tags_assign", args=[anna.pk])
    assert agent_client.post(url, {"tag": tag.pk, "action": "add"}).status_code == 403
    listing = agent_client.get(reverse("customers:list"))
    assert 'id="bulk-tags"' not in listing.text
    assert 'id="tag-add"' not in agent_client.get(reverse("customers:detail", args=[anna.pk])).text
    assert _tags_of(anna) == set()


def test_another_business_cannot_touch_tags_or_customers(
    intruder_client, business, other_business, owner
):
    anna = CustomerFactory(business=business)
    tag = services.tag_create(business=business, name="VIP", actor=owner)
    edit = reverse("customers:tag_edit", args=[tag.pk])
    assert intruder_client.post(edit, {"name": "x", "color": "red"}).status_code == 404
    delete = reverse("customers:tag_delete", args=[tag.pk])
    assert intruder_client.post(delete).status_code == 404
    # Its own tag on A's customer: the customer is not found.
    foreign = services.tag_create(
        business=tag.business.__class__.objects.get(slug="shop-b"), name="B", actor=None
    )
    url = reverse("customers:tags_assign", args=[anna.pk])
    assert intruder_client.post(url, {"tag": foreign.pk, "action": "add"}).status_code == 404
    intruder_client.post(BULK, {"tag": foreign.pk, "action": "add", "customer": [anna.pk]})
    tag.refresh_from_db()
    assert tag.name == "VIP" and _tags_of(anna) == set()
