"""Regenerates the committed SDL: python -m graphql_schema.export"""

from pathlib import Path

from graphql_schema.schema import schema

if __name__ == "__main__":
    (Path(__file__).parent / "schema.graphql").write_text(schema.as_str().rstrip() + "\n")
