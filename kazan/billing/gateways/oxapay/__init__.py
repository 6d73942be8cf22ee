from kazan.billing.gateways import gateway_register
from kazan.billing.gateways.oxapay.gateway import OxaPayGateway

gateway_register(
    OxaPayGateway.key, OxaPayGateway.from_settings, account_fields=OxaPayGateway.account_fields
)
