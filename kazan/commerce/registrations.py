"""What commerce plugs into the registries of the apps below it (called from
CommerceConfig.ready()): billing's checkout listener (an order's Stripe webhook), the secure
link pages of payment and invoice, the GDPR section, the customer page's orders panel and the
orders export."""


def commerce_register() -> None:
    from kazan.billing.checkout_listeners import checkout_listener_register
    from kazan.commerce.link_views import invoice_page, payment_page
    from kazan.commerce.orders_exports import export_kinds_register as orders_export_register
    from kazan.commerce.queries.catalog import product_count
    from kazan.commerce.queries.orders import orders_for_customer
    from kazan.commerce.services.orders import orders_customer_erase, orders_customer_export
    from kazan.commerce.services.payments import order_checkout_event
    from kazan.core.entitlements import Limit, usage_counter_register
    from kazan.core.gdpr import GdprSection, gdpr_section_register
    from kazan.customers.panels import CustomerPanel, customer_panel_register
    from kazan.links.purposes import purpose_page_register

    checkout_listener_register(order_checkout_event)
    usage_counter_register(Limit.PRODUCTS, lambda business: product_count(business=business))
    purpose_page_register("payment", payment_page)
    purpose_page_register("invoice", invoice_page)
    gdpr_section_register(
        GdprSection(
            "orders",
            export=lambda business, customer: orders_customer_export(
                business=business, customer=customer
            ),
            erase=lambda business, customer: orders_customer_erase(
                business=business, customer=customer
            ),
        )
    )
    customer_panel_register(
        CustomerPanel(
            "orders",
            "commerce/orders_customer_panel.html",
            lambda request, customer: (
                {
                    "customer_orders": orders_for_customer(
                        business=request.business,
                        customer=customer,
                        limit=10,
                        include_tokens=True,
                    )
                }
                if request.membership.can("orders.manage")
                else None
            ),
            order=30,
        )
    )
    orders_export_register()
