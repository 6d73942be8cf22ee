"""Paging and sorting helpers of the team's lists."""


def query_without_page(request) -> str:
    """The current filters as a query string, for pagination links that keep them."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def sort_reversed(key: str) -> str:
    return key[1:] if key.startswith("-") else f"-{key}"


def sort_links(request, current: str, columns: dict[str, str]) -> dict[str, dict[str, str]]:
    """For each sortable column (column → the sort a first click gives, "-key" for
    descending): the query string of its header link (filters kept, page dropped) and its
    aria-sort state. A second click on the same header reverses it."""
    links = {}
    for column, first in columns.items():
        query = request.GET.copy()
        query.pop("page", None)
        query["sort"] = (
            sort_reversed(current) if current in (first, sort_reversed(first)) else first
        )
        state = "none"
        if current.lstrip("-") == first.lstrip("-"):
            state = "descending" if current.startswith("-") else "ascending"
        links[column] = {"query": query.urlencode(), "state": state}
    return links
