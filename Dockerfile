# One image for every oppbot process (serve, worker, scheduler, db upgrade, doctor); compose.yaml runs them.
# Build: docker build -t oppbot .   Run: docker compose up   (README: "Running with Docker")
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The app from this repository: its package, workers and migrations, installed (not editable) with its dependencies.
# manifest.yml stays beside it: `oppbot doctor` compares the token's scopes with it.
COPY pyproject.toml README.md manifest.yml alembic.ini ./
COPY oppbot ./oppbot
COPY workers ./workers
COPY migrations ./migrations
RUN pip install . && rm -rf build

# Never root: a fixed uid so volume permissions are predictable.
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin oppbot
USER oppbot

EXPOSE 3000
CMD ["oppbot", "serve", "--host", "0.0.0.0", "--port", "3000"]
