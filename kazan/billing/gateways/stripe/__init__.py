from kazan.billing.gateways import gateway_register
from kazan.billing.gateways.stripe.gateway import StripeGateway

gateway_register(StripeGateway.key, StripeGateway.from_settings)
