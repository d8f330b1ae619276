"""The client's address behind reverse proxies, for rate limits.

django-ratelimit's key="ip" reads settings.RATELIMIT_IP_META_KEY, which names `client_ip`.
Without it, REMOTE_ADDR would be the proxy's address in production and every visitor would
share one counter. DRF's throttles find the address the same way
(rest_framework.throttling.BaseThrottle.get_ident), from the same NUM_PROXIES setting.
"""

from __future__ import annotations

import ipaddress

from rest_framework.settings import api_settings


def client_ip(request) -> str:
    """REMOTE_ADDR with NUM_PROXIES 0; behind N proxies, the Nth address from the right of
    X-Forwarded-For (each proxy appends the address it saw, so the entries to the left of
    that one are whatever the client sent).

    Falls back to REMOTE_ADDR when the header is missing or the chosen entry is not an IP
    address: django-ratelimit parses the value and would fail the request on garbage.
    """
    remote_addr = request.META.get("REMOTE_ADDR", "")
    num_proxies = api_settings.NUM_PROXIES or 0
    forwarded_for = request.META.get("HTTP_X_FORWARDED_FOR")
    if num_proxies <= 0 or not forwarded_for:
        return remote_addr
    addresses = forwarded_for.split(",")
    # Fewer entries than proxies: the leftmost one, as DRF does.
    candidate = addresses[-min(num_proxies, len(addresses))].strip()
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return remote_addr
    return candidate
