import datetime as dt

import pytest

from kazan.accounts.tests.staff import staff_sign_in
from kazan.activity.models import Activity
from kazan.activity.queries import activity_list
from kazan.activity.services import activity_record

pytestmark = pytest.mark.django_db


def test_record_keeps_who_what_where_and_on_which_object(business, owner, staff_user):
    entry = activity_record(
        business=business,
        actor=owner,
        action="business.updated",
        target=business,
        data={"fields": ["name"]},
    )
    assert (entry.actor, entry.actor_kind, entry.business) == (owner, "user", business)
    assert (entry.target_type, entry.target_id) == ("tenancy.business", str(business.pk))
    assert activity_record(business=None, actor=staff_user, action="x").actor_kind == "staff"
    assert activity_record(business=business, actor=None, action="y").actor_kind == "system"


def test_list_filters_by_business_actor_type_and_time(business, other_business, owner):
    activity_record(business=business, actor=owner, action="customer.erased")
    activity_record(business=business, actor=None, action="customer.created")
    activity_record(business=other_business, actor=owner, action="customer.erased")
    Activity.objects.filter(action="customer.created").update(
        created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    assert activity_list(business=business).count() == 2
    assert activity_list(business=business, actor_id=owner.pk).count() == 1
    assert activity_list(business=business, action="customer.").count() == 2
    since = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
    assert [e.action for e in activity_list(business=business, since=since)] == ["customer.erased"]
    assert activity_list(business=business, until=since).count() == 1
    assert activity_list(all_businesses=True).count() == 3


def test_list_without_a_business_fails_closed():
    with pytest.raises(ValueError):
        activity_list()


def test_admin_shows_the_log_read_only(client, staff_user, business, owner):
    staff_user.is_superuser = True
    staff_user.save()
    activity_record(business=business, actor=owner, action="customer.erased")
    staff_sign_in(client, staff_user)
    assert client.get("/admin/activity/activity/").status_code == 200
    entry = Activity.objects.get()
    assert (
        client.post(f"/admin/activity/activity/{entry.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert Activity.objects.count() == 1
