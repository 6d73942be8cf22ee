from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from kazan.accounts import urls as accounts_urls
from kazan.accounts import views as accounts_views
from kazan.api import api
from kazan.core import views as core_views
from kazan.tenancy import urls as tenancy_urls

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", core_views.favicon, name="favicon"),
    path("media/<path:name>", core_views.media_public, name="media"),
    # Before the admin's own URLs: its login form is replaced by the one sign-in (2FA, limits).
    path("admin/login/", accounts_views.admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
    # One "accounts" namespace: sign-in and security (accounts), accepting an invitation (tenancy).
    path(
        "accounts/",
        include(
            (accounts_urls.urlpatterns + tenancy_urls.account_urlpatterns, accounts_urls.app_name)
        ),
    ),
    # One prefix for the dashboard's apps: a path outside it is refused once, not once per app.
    path(
        "dashboard/",
        include(
            [
                path("customers/", include("kazan.customers.urls")),
                path("team/", include("kazan.tenancy.urls")),
                path("vouchers/", include("kazan.loyalty.urls")),
                path("billing/", include("kazan.billing.urls")),
                path("campaigns/", include("kazan.campaigns.urls")),
                path("qr/", include("kazan.channels.web.qr_urls")),
                path("flows/", include("kazan.conversations.editor.urls")),
                path("channels/", include("kazan.channels.dashboard_urls")),
                path("widget/", include("kazan.channels.widget.dashboard_urls")),
                path("inbox/", include("kazan.inbox.urls")),
                path("faq/", include("kazan.faq.urls")),
                path("forms/", include("kazan.webforms.urls")),
                path("assistant/", include("kazan.agent.urls")),
                path("orders/", include("kazan.commerce.orders_urls")),
                path("queue/", include("kazan.commerce.queue_urls")),
                path("shop/", include("kazan.commerce.urls")),
                path("crm/", include("kazan.crm.panel_urls")),
                path("links/", include("kazan.links.urls")),
                path("wallet/", include("kazan.wallet.urls")),
                path("", include("kazan.dashboard.urls")),
            ]
        ),
    ),
    path("console/", include("kazan.console.urls")),
    path("hooks/", include("kazan.billing.hook_urls")),
    path("hooks/", include("kazan.channels.urls")),
    path("api/v1/", api.urls),
    # The website widget: /widget.js (the loader) and /widget/… (its frame, a demo page).
    path("", include("kazan.channels.widget.urls")),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("i18n/", include("django.conf.urls.i18n")),
    # One- and two-letter prefixes: business slugs have at least three characters.
    path("", include("kazan.campaigns.public_urls")),
    path("", include("kazan.webforms.public_urls")),
    path("", include("kazan.links.public_urls")),
]
if settings.DEBUG or settings.TESTING:
    # The development inbox: what the console SMS provider "sent".
    urlpatterns.append(path("dev/", include("kazan.messaging.dev_urls")))
# Last: /<business-slug>/ would otherwise shadow the paths above.
urlpatterns.append(path("", include("kazan.channels.web.urls")))

handler400 = core_views.bad_request
handler403 = core_views.permission_denied
handler404 = core_views.page_not_found
handler500 = core_views.server_error
