"""What `stoplist ... --help` says beyond the options: each option's default, and the
environment the command reads. README.md shows every command's --help, written by
`python -m app.cli_help` and kept in step by tests/unit/test_cli_help.py."""

import argparse
import contextlib
import io
import os
import re
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- cli-help:start -->", "<!-- cli-help:end -->"
WIDTH = "100"  # columns the help is written for, whatever the terminal

_DATABASE = "DATABASE_URL (unset: the embedded PostgreSQL in STOPLIST_DATA_DIR, default ./.stoplist)"
_LOGS = "STOPLIST_LOG_LEVEL, STOPLIST_LOG_FORMAT"
_PEPPER = "STOPLIST_API_KEY_PEPPER"
_BULK = f"with --server: STOPLIST_API_KEY (the key, unless --key); else {_DATABASE}"
ENVIRONMENT = {
    "serve": f"{_DATABASE}; {_PEPPER}; STOPLIST_PUBLIC_URL; every STOPLIST_* setting of the README's Configuration",
    "migrate": _DATABASE,
    "worker": "DATABASE_URL (required); the outbound SMS, webhook and outbox settings of the README's Configuration",
    "org create": f"{_DATABASE}; {_PEPPER}",
    "key": f"{_DATABASE}; {_PEPPER}",
    "import": _BULK,
    "scrub": _BULK,
    "export": _BULK,
}


class WithDefaults(argparse.RawDescriptionHelpFormatter):
    """Each option's default after its help, where it has one worth saying."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if action.option_strings and default not in (None, False, argparse.SUPPRESS) and "default" not in text:
            text += f" (default: {default})"
        return text


def document(parser: argparse.ArgumentParser, path: str = "") -> None:
    """Sets the formatter, and the environment as the epilog, on the parser and every subcommand."""
    parser.formatter_class = WithDefaults
    environment = next((text for name, text in ENVIRONMENT.items() if f"{path} ".startswith(f"{name} ")), None)
    if environment is not None:
        reads = f"environment: {environment}; {_LOGS}; and a .env file in the working directory"
        parser.epilog = textwrap.fill(reads, width=int(WIDTH) - 2)
    for name, sub in _subcommands(parser):
        sub.description = sub.description or _summaries(parser).get(name)  # what the list of commands says of it
        document(sub, f"{path} {name}".strip())


def _summaries(parser: argparse.ArgumentParser) -> dict[str, str]:
    return {
        choice.dest: choice.help or ""
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for choice in action._choices_actions
    }


def _subcommands(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:  # argparse keeps its subcommands only there
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def help_texts(parser: argparse.ArgumentParser) -> Iterator[tuple[str, str]]:
    """`stoplist ... --help` of every command that runs (not the groups of them), in order."""

    def walk(current: argparse.ArgumentParser, path: str) -> Iterator[tuple[str, str]]:
        children = list(_subcommands(current))
        if not children:
            yield path, _help_of(current)
        for name, sub in children:
            yield from walk(sub, f"{path} {name}")

    yield from walk(parser, "stoplist")


def _help_of(parser: argparse.ArgumentParser) -> str:
    with _columns(WIDTH):
        return parser.format_help()


@contextlib.contextmanager
def _columns(width: str) -> Iterator[None]:
    before = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = width
    try:
        yield
    finally:
        if before is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = before


def readme_section(parser: argparse.ArgumentParser) -> str:
    out = io.StringIO()
    for command, text in help_texts(parser):
        out.write(f"\n`{command} --help`:\n\n```\n{text.rstrip()}\n```\n")
    return f"{START}\n{out.getvalue()}\n{END}"


def write_readme(parser: argparse.ArgumentParser) -> None:
    text = README.read_text()
    updated = re.sub(f"{re.escape(START)}.*?{re.escape(END)}", lambda _: readme_section(parser), text, flags=re.S)
    README.write_text(updated)


if __name__ == "__main__":
    from app.cli import _parser

    write_readme(_parser())
    print(f"wrote the --help of every command into {README}", file=sys.stderr)
