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
# The catalogs (oppbot/locale/*/LC_MESSAGES/oppbot.po) compiled to the .mo files read at run time, where the package
# was installed: the image speaks every language without compiling at start (README: "Languages").
RUN pip install . \
    && pybabel compile --statistics -D oppbot -d "$(python -c 'import oppbot.i18n as i; print(i.LOCALE_DIR)')" \
    && rm -rf build

# Never root: a fixed uid so volume permissions are predictable.
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin oppbot
USER oppbot

EXPOSE 3000
CMD ["oppbot", "serve", "--host", "0.0.0.0", "--port", "3000"]
