FROM python:3.11-slim
WORKDIR /srv/stoplist
COPY pyproject.toml README.md alembic.ini ./
COPY app app
COPY graphql_schema graphql_schema
COPY migrations migrations
RUN pip install --no-cache-dir .
RUN useradd --system stoplist
USER stoplist
EXPOSE 8000
CMD ["stoplist", "serve", "--host", "0.0.0.0", "--port", "8000"]
