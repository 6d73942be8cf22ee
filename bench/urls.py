from django.http import JsonResponse
from django.urls import include, path


def bare(request):
    """The baseline: a Django view behind the full middleware stack that touches no table."""
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/bare", bare), path("", include("kazan.urls"))]
