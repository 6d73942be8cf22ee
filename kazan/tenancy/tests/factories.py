import factory

from kazan.accounts.models import User, email_index
from kazan.tenancy.models import Business, Membership, Role

TEST_PASSWORD = "correct horse battery 42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@example.com")
    email_index = factory.LazyAttribute(lambda o: email_index(o.email))
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class BusinessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Business
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"business-{n}")
    name = factory.Sequence(lambda n: f"Business {n}")
    address = "Hauptstraße 1, 10115 Berlin"
    country = "DE"
    language = "en"
    timezone = "Europe/Berlin"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    business = factory.SubFactory(BusinessFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.OWNER
