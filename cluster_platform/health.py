"""GET /healthz: is this web process able to serve? For load balancers and Docker's healthcheck.

It asks the default database for `SELECT 1` and answers 200 "ok" (text/plain), or 503 when
the database does not answer. No login, no session, no CSRF token, nothing cached; the
production settings exempt the path from the HTTPS redirect (SECURE_REDIRECT_EXEMPT), so a
check over plain HTTP from inside the container gets the answer, not a redirect. The Host
header must still be one of ALLOWED_HOSTS.
"""

import logging

from django.db import Error as DatabaseError
from django.db import connections, transaction
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; charset=utf-8"


# Not in a request transaction (ATOMIC_REQUESTS): opening one needs the database, and a
# database that does not answer must give 503 here, not 500 before the view runs.
@transaction.non_atomic_requests
@csrf_exempt
@never_cache
@require_safe
def healthz(request):
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("Health check failed: the database did not answer: %s", error)
        return HttpResponse("database unavailable", status=503, content_type=CONTENT_TYPE)
    return HttpResponse("ok", content_type=CONTENT_TYPE)
