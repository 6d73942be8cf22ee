"""Factories for customers. Contact details go through the real normalization and blind index,
so a factory-made customer is found exactly like one created by the services."""

import factory
from django.utils import timezone

from kazan.customers.emails import email_index_for
from kazan.customers.models import ConsentRecord, Customer, Tag
from kazan.customers.phones import phone_index_for, phone_suffix_index_for
from kazan.tenancy.tests.factories import BusinessFactory

# German mobile numbers (Telekom 0151): +49 151 12345000, +49 151 12345001, …
PHONE_BASE = 12345000


def phone_for(n: int) -> str:
    return f"+49151{PHONE_BASE + n:08d}"


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        skip_postgeneration_save = True

    business = factory.SubFactory(BusinessFactory)
    name = factory.Faker("name")
    phone_e164 = factory.Sequence(phone_for)
    phone_index = factory.LazyAttribute(lambda o: phone_index_for(o.phone_e164))
    phone_suffix_index = factory.LazyAttribute(lambda o: phone_suffix_index_for(o.phone_e164))
    email = ""
    email_index = factory.LazyAttribute(lambda o: email_index_for(o.email) if o.email else None)
    language = "de"
    first_interaction_at = factory.LazyFunction(timezone.now)
    last_interaction_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def tags(obj, create, extracted, **kwargs):
        """CustomerFactory(tags=["vip", "regular"]) links tags of the customer's business."""
        if create and extracted:
            obj.tags.set(
                [Tag.objects.get_or_create(business=obj.business, name=n)[0] for n in extracted]
            )


def consent_given(
    customer: Customer,
    *,
    granted: bool = True,
    purpose: str = ConsentRecord.Purpose.SMS_MARKETING,
    channel: str = "web",
    ip: str = "",
    user_agent: str = "",
) -> ConsentRecord:
    """Record a grant (with the seeded wording in the customer's language) or a withdrawal
    through the real services, as the customer."""
    from kazan.customers.queries import consent_wording_current
    from kazan.customers.services import consent_grant, consent_withdraw

    if granted:
        wording = consent_wording_current(purpose=purpose, language=customer.language or "en")
        return consent_grant(
            business=customer.business,
            customer=customer,
            purpose=purpose,
            channel=channel,
            wording=wording,
            ip=ip,
            user_agent=user_agent,
        )
    return consent_withdraw(
        business=customer.business,
        customer=customer,
        purpose=purpose,
        channel=channel,
        ip=ip,
        user_agent=user_agent,
    )
