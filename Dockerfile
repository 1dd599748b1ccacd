# Production image: gunicorn serves the app; the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1

# WeasyPrint needs Pango; fonts for PDFs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core curl \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY organizations ./organizations
COPY incidents ./incidents
COPY postmortems ./postmortems
COPY actionitems ./actionitems
COPY dashboard ./dashboard
COPY demo ./demo
COPY hindsight_bench ./hindsight_bench
COPY templates ./templates
COPY static ./static
COPY manage.py ./
RUN pip install . \
 && DEBUG=false SECRET_KEY=build-only-collectstatic STATIC_MANIFEST=true python manage.py collectstatic --noinput \
 && useradd --create-home --uid 1000 hindsight \
 && mkdir -p /app/media && chown hindsight /app/media
USER hindsight

ENV STATIC_MANIFEST=true
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
