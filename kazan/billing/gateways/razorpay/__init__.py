from kazan.billing.gateways import gateway_register
from kazan.billing.gateways.razorpay.gateway import RazorpayGateway

gateway_register(RazorpayGateway.key, RazorpayGateway.from_settings)
