# The platform's one image: gunicorn (web), the Celery worker and beat differ only in the command.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # The code runs from /app (templates, static files and translations live beside it).
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=cluster_platform.settings.production

# WeasyPrint's system libraries (Pango with HarfBuzz subsetting, JPEG and JPEG 2000) and
# DejaVu fonts, which cover Uzbek Latin and Cyrillic.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libjpeg62-turbo libopenjp2-7 fonts-dejavu \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --system --create-home --home-dir /home/app --uid 1000 app

WORKDIR /app

# Dependencies first, in their own layer: rebuilt only when pyproject.toml changes. No
# package directory is there yet, so this installs what pyproject.toml declares and no code
# (README.md is the package's description, copied with the code below). No extras: the
# embedded PostgreSQL and Redis of the demo (`demo`) and the test tools (`test`) stay out.
COPY pyproject.toml ./
RUN touch README.md && pip install .

COPY . .

# Static files are collected (and compressed, with hashed names) into the image; the
# values below only let the production settings load and are never used at run time.
# Translations are compiled when the checkout has any.
RUN export SECRET_KEY="image-build-only-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ" \
           DATABASE_URL="postgres://build@localhost/build" \
           CELERY_BROKER_URL="redis://localhost:6379/0" \
           ALLOWED_HOSTS="build" \
           EMAIL_URL="consolemail://" \
 && python manage.py collectstatic --noinput --verbosity 0 \
 && if find locale -name '*.po' | grep -q .; then \
        apt-get update && apt-get install -y --no-install-recommends gettext \
        && python manage.py compilemessages --ignore '.venv' \
        && apt-get purge -y gettext && apt-get autoremove -y && rm -rf /var/lib/apt/lists/*; \
    fi \
 && mkdir -p /app/media && chown app:app /app/media

USER app

EXPOSE 8000

# docker-compose.yml checks GET /healthz (cluster_platform/health.py) with Python's urllib:
# the image has no curl.

# Workers: WEB_CONCURRENCY (read by gunicorn), 2-4 per CPU.
CMD ["gunicorn", "cluster_platform.wsgi:application", "--bind", "0.0.0.0:8000", \
     "--access-logfile", "-", "--max-requests", "1000", "--max-requests-jitter", "100"]
