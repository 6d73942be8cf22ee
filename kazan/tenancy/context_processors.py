def tenant(request):
    return {
        "business": getattr(request, "business", None),
        "membership": getattr(request, "membership", None),
    }
