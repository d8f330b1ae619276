"""Sign-in lockouts (django-axes): what a locked-out client is answered, and clearing failures.

settings.AXES_LOCKOUT_PARAMETERS locks one username from one client address: an attacker
elsewhere who fails on purpose locks only their own pair, never the real user. The browser's
sign-in pages (ours and the admin's) get the page below through axes' middleware; the API token
endpoint raises `SignInLockedOut` itself, because axes marks DRF's request object, which the
middleware does not see. Both answer 429 with Retry-After, the cool-off in seconds.
"""

from __future__ import annotations

import math

from axes.helpers import get_cool_off
from axes.utils import reset
from django.conf import settings
from django.shortcuts import render
from django.utils.translation import ngettext
from rest_framework import exceptions, status

from .net import client_ip

TEMPLATE = "registration/locked_out.html"


def cool_off_seconds(request=None) -> int:
    cool_off = get_cool_off(request)
    return int(cool_off.total_seconds()) if cool_off else 0


def lockout_message(request=None) -> str:
    minutes = max(1, math.ceil(cool_off_seconds(request) / 60))
    return ngettext(
        "Too many failed sign-ins for this username from your address. Try again in %(minutes)d minute.",
        "Too many failed sign-ins for this username from your address. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(request, original_response=None, credentials=None):
    """settings.AXES_LOCKOUT_CALLABLE: the lockout page, or JSON for a client of the API."""
    seconds = cool_off_seconds(request)
    if request.path_info.startswith("/api/"):
        from django.http import JsonResponse

        response = JsonResponse({"detail": lockout_message(request)}, status=status.HTTP_429_TOO_MANY_REQUESTS)
    else:
        response = render(request, TEMPLATE, {
            "minutes": max(1, math.ceil(seconds / 60)),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
        }, status=status.HTTP_429_TOO_MANY_REQUESTS)
    response["Retry-After"] = str(seconds)
    return response


class SignInLockedOut(exceptions.APIException):
    """429 for the API token endpoint; DRF's exception handler turns `wait` into Retry-After."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self, request=None):
        self.wait = cool_off_seconds(request)
        super().__init__(lockout_message(request))


def is_locked_out(request) -> bool:
    """Whether axes refused (or just locked) this request's sign-in."""
    return bool(getattr(request, "axes_locked_out", False))


def failures_clear(*, username: str, request=None) -> int:
    """Forget the failed sign-ins of `username`: from the request's address only when a request
    is given (a successful API sign-in, as axes does for a browser one), else from every address
    (the owner proved control of the account's email by resetting the password)."""
    if not username:
        return 0
    if request is None:
        return reset(username=username)
    address = client_ip(request)
    if not address:
        return 0
    return reset(ip=address, username=username)
