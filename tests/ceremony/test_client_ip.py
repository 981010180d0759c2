"""The client's address behind the planner's proxies, as login throttling sees it."""

import pytest
from django.test import RequestFactory

from ceremony.client_ip import client_ip


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "192.0.2.1, 198.51.100.7", "198.51.100.7"),  # the left entry came from the client
        (2, "192.0.2.1, 198.51.100.7, 10.0.0.1", "198.51.100.7"),
        (2, "198.51.100.7", "198.51.100.7"),  # fewer entries than proxies: all written by ours
        (1, "2001:db8::7", "2001:db8::7"),
        (1, "not-an-address", "10.0.0.2"),
        (1, "", "10.0.0.2"),
        (0, "198.51.100.7", "10.0.0.2"),  # not behind a proxy: the header is the client's own
    ],
)
def test_client_ip_takes_the_address_our_outermost_proxy_saw(settings, count, forwarded, expected):
    settings.PLANNER_PROXY_COUNT = count
    request = RequestFactory().get("/admin/login/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected
