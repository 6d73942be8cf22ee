from kazan.customers.models import Customer


def overview(*, business) -> dict:
    return {
        "customers": Customer.objects.filter(business=business, erased_at__isnull=True).count(),
    }
