"""A finder page asked for with a position or a postcode is kept by no shared cache.

The app keeps no copy of such a page (finder/shared_copy.py: where a visitor is must not be
stored, not even as part of a key). The answer's own Cache-Control said `max-age=60` alone, which
lets every shared cache on the way (the CDN the README allows in front, a workplace's proxy) keep
the page under its URL, the visitor's position included. Such an answer says `private`: the
visitor's own browser may keep it for its minute, nothing between.
"""

import pytest
from django.utils.cache import get_max_age

from tests.factories import make_course

pytestmark = pytest.mark.django_db

WHERE = [{"near": "55.396,10.388"}, {"postcode": "5000"}, {"near": "55.396,10.388", "format": "drop_in"}]
PAGES = ["/", "/en/", "/widget/", "/api/v1/courses/"]


def directives(response):
    return {part.strip().split("=")[0] for part in response["Cache-Control"].split(",")}


@pytest.mark.parametrize("where", WHERE, ids=lambda where: "&".join(where))
@pytest.mark.parametrize("path", PAGES)
def test_a_page_asked_for_with_a_position_is_private_to_the_visitors_browser(client, venue, path, where, settings):
    settings.FINDER_SHARED_COPIES = True
    make_course(venue)
    response = client.get(path, where)
    assert response.status_code == 200
    assert "private" in directives(response) and "public" not in directives(response)
    assert get_max_age(response) == 60
    revisit = client.get(path, where, HTTP_IF_NONE_MATCH=response["ETag"])
    assert revisit.status_code == 304 and "private" in directives(revisit)


@pytest.mark.parametrize("path", PAGES)
def test_a_page_without_a_position_may_still_be_kept_by_shared_caches(client, venue, path, settings):
    """The same list for everyone: a cache in front spares the app; an empty position is no position."""
    settings.FINDER_SHARED_COPIES = True
    make_course(venue)
    for query in [{}, {"format": "drop_in"}, {"near": "", "postcode": " "}]:
        response = client.get(path, query)
        assert response.status_code == 200
        assert "private" not in directives(response) and get_max_age(response) == 60
