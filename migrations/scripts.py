"""What every migration written as an SQL script runs it with."""

from alembic import op


def statements(script: str) -> list[str]:
    """The statements of a script, one per `;` at a line's end: the asyncpg driver prepares each
    statement, so a script goes one at a time. A function body ($$ ... $$) holds semicolons of its own."""
    found, pending = [], ""
    for piece in script.split(";\n"):
        pending = f"{pending};\n{piece}" if pending else piece
        if pending.count("$$") % 2 == 0:
            if pending.strip():
                found.append(pending.strip())
            pending = ""
    return found


def run_script(script: str) -> None:
    for statement in statements(script):
        op.execute(statement)
