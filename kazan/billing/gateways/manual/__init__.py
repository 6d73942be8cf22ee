from kazan.billing.gateways import gateway_register
from kazan.billing.gateways.manual.gateway import ManualGateway

gateway_register(ManualGateway.key, ManualGateway)
