def query_without_page(request) -> str:
    """The current filters as a query string, for pagination links that keep them."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()
