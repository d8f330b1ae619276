"""The client address behind proxies (cluster_platform.net.client_ip), which keys
django-ratelimit's per-address limits the way DRF's throttles key theirs."""

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.throttling import BaseThrottle

from cluster_platform.net import client_ip
from members.models import MembershipApplication

PROXY = "10.0.0.5"


@pytest.fixture
def proxies(settings):
    def set_proxies(number):
        settings.REST_FRAMEWORK = {**django_settings.REST_FRAMEWORK, "NUM_PROXIES": number}

    return set_proxies


def _request(forwarded_for=None, remote_addr=PROXY):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().post("/", **extra)


def test_settings_point_django_ratelimit_at_it():
    assert django_settings.RATELIMIT_IP_META_KEY == "cluster_platform.net.client_ip"


@pytest.mark.parametrize(
    ("num_proxies", "forwarded_for", "expected"),
    [
        (0, None, PROXY),
        (0, "203.0.113.7", PROXY),  # no proxy is trusted: the header is the client's own words
        (1, None, PROXY),
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # the client forged the first entry
        (1, " 198.51.100.1 ,203.0.113.7 ", "203.0.113.7"),
        (2, "198.51.100.1, 203.0.113.7, 10.0.0.9", "203.0.113.7"),
        (2, "203.0.113.7", "203.0.113.7"),  # fewer entries than proxies: the leftmost, as DRF
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_it_finds_the_client_as_drf_throttles_do(proxies, num_proxies, forwarded_for, expected):
    proxies(num_proxies)
    request = _request(forwarded_for)
    assert client_ip(request) == expected
    assert BaseThrottle().get_ident(request) == expected


@pytest.mark.parametrize("forwarded_for", ["", "unknown", "203.0.113.7:4711", "not an address, "])
def test_an_entry_that_is_not_an_address_falls_back_to_the_socket_address(proxies, forwarded_for):
    # django-ratelimit parses the value as an address and would fail the request on garbage.
    proxies(1)
    assert client_ip(_request(forwarded_for)) == PROXY


APPLICATION = {
    "organization_name": "Lyceum No. 3", "kind": "college", "district": "Bektemir",
    "contact_name": "Malika Yusupova", "contact_email": "malika@lyceum3.example.org",
}


def _apply(client, cluster, number, forwarded_for):
    return client.post(
        reverse("application_apply", args=[cluster.slug]), {**APPLICATION, "tax_id": f"50000000{number}"},
        REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_behind_a_proxy_each_visitor_has_a_limit_of_their_own(client, cluster, settings, proxies):
    proxies(1)
    settings.APPLICATION_RATE_LIMIT = 1
    cache.clear()
    assert _apply(client, cluster, 1, "203.0.113.7").status_code == 200
    assert _apply(client, cluster, 2, "203.0.113.7").status_code == 429
    # Another visitor, through the same proxy, is not held back by the first one.
    assert _apply(client, cluster, 3, "203.0.113.8").status_code == 200
    # Nor does the first get through by forging an entry in front of the proxy's.
    assert _apply(client, cluster, 4, "198.51.100.1, 203.0.113.7").status_code == 429
    assert MembershipApplication.objects.for_cluster(cluster).count() == 2


def test_without_proxies_a_forged_header_does_not_dodge_the_limit(client, cluster, settings, proxies):
    proxies(0)
    settings.APPLICATION_RATE_LIMIT = 1
    cache.clear()
    assert _apply(client, cluster, 1, "203.0.113.7").status_code == 200
    assert _apply(client, cluster, 2, "203.0.113.8").status_code == 429
    assert MembershipApplication.objects.for_cluster(cluster).count() == 1
