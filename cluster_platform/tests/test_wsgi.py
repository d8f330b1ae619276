"""The WSGI module: the application, with the objects of start-up frozen out of the garbage
collector's reach (cluster_platform/wsgi.py)."""

import os
import subprocess
import sys

from django.conf import settings


def test_the_wsgi_module_loads_the_views_and_freezes_what_start_up_made():
    probe = (
        "import gc, sys; import cluster_platform.wsgi as wsgi; "
        "assert callable(wsgi.application); "
        "assert 'members.views.people' in sys.modules, 'the URLconf was not loaded'; "
        "print(gc.get_freeze_count())"
    )
    finished = subprocess.run([sys.executable, "-c", probe], cwd=settings.BASE_DIR, capture_output=True, text=True,
                              timeout=120, env={**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get(
                                  "DJANGO_SETTINGS_MODULE", "cluster_platform.settings.test")})
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert int(finished.stdout.split()[-1]) > 10_000  # Django, the apps and their views
