import pytest

from kazan.agent.services import shop_flow_ensure
from kazan.commerce.testing import sicilian_shop
from kazan.customers.tests.factories import CustomerFactory
from kazan.faq.services.faqs import faq_create

PHONE = "+34600111222"


@pytest.fixture
def shop_business(business):
    business.language = "es"
    business.save(update_fields=["language"])
    return business


@pytest.fixture
def shop(shop_business):
    products = sicilian_shop(shop_business)
    faq_create(
        business=shop_business,
        actor=None,
        actor_kind="system",
        question="¿Cuánto tarda la entrega?",
        alternatives=["¿Puede entregarse antes del viernes?", "plazos de entrega", "envío"],
        answer="Enviamos en 24 horas; la entrega exprés llega en 2-3 días laborables.",
        language="es",
    )
    faq_create(
        business=shop_business,
        actor=None,
        actor_kind="system",
        question="How long does delivery take?",
        alternatives=["Can it be delivered before Friday?", "shipping times"],
        answer="We ship within 24 hours; express delivery takes 2-3 working days.",
        language="en",
    )
    shop_flow_ensure(business=shop_business)
    return products


@pytest.fixture
def shopper(shop_business):
    """A registered customer who agreed to the processing of their data, on WhatsApp."""
    from kazan.agent.tests.helpers import make_shopper

    return make_shopper(shop_business, PHONE)


@pytest.fixture
def stranger(shop_business):
    return CustomerFactory(business=shop_business, name="Otra Persona")
