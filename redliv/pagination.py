"""One way to split a long list into pages: `?side=N` (Danish for page), shown by `_pagination.html`."""

from django.core.paginator import Paginator

from redliv import inputs

PAGE_PARAMETER = "side"
OLD_PAGE_PARAMETER = "page"  # the reports list used it; links saved with it still work


def paginate(request, items, per_page):
    """The page of `items` the request asks for, and the rest of its query string for the page links."""
    number = request.GET.get(PAGE_PARAMETER) or request.GET.get(OLD_PAGE_PARAMETER) or ""
    # Only a number as a link writes it; anything else is the first page, as nonsense always was (Paginator reads
    # "1_000", " 12" and "١٢" as numbers).
    page = Paginator(items, per_page).get_page(number if inputs.is_whole_number(number) else None)
    query = request.GET.copy()
    for name in (PAGE_PARAMETER, OLD_PAGE_PARAMETER):
        query.pop(name, None)
    return page, query.urlencode()
