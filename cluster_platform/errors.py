"""The platform's answer to an unexpected error (urls.handler500).

The database unreachable (PostgreSQL restarting, the network to it down) is an outage, not a
bug: 503 with a "try again shortly" page and Retry-After, instead of the 500 page. Either way the
answer names no detail of the error (Django logs the traceback): the page is rendered without a
request context, so it needs no database, session or user; the API gets JSON.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

RETRY_AFTER_SECONDS = 30


def database_unavailable(error: BaseException | None) -> bool:
    return isinstance(error, (OperationalError, InterfaceError))


@requires_csrf_token
def server_error(request):
    unavailable = database_unavailable(sys.exc_info()[1])
    status = 503 if unavailable else 500
    if request.path.startswith("/api/"):
        detail = (_("The service is temporarily unavailable. Try again in a minute.") if unavailable
                  else _("A server error occurred. It was recorded; try again later."))
        response = JsonResponse({"detail": detail}, status=status)
    else:
        response = HttpResponse(loader.render_to_string("503.html" if unavailable else "500.html"), status=status)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
