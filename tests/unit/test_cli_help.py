"""Every command's --help says its defaults and the environment it reads, and README.md shows
exactly what it says (`python -m app.cli_help` writes it)."""

import re

from app.cli import _parser
from app.cli_help import END, README, START, help_texts, readme_section


def test_the_readme_shows_every_commands_help_as_it_is() -> None:
    text = README.read_text()
    shown = re.search(f"{re.escape(START)}.*?{re.escape(END)}", text, flags=re.S)

    assert shown is not None
    assert shown.group() == readme_section(_parser()), "run: .venv/bin/python -m app.cli_help"


def test_every_command_says_what_it_reads_and_its_defaults() -> None:
    helps = dict(help_texts(_parser()))

    assert {"stoplist serve", "stoplist key rotate", "stoplist scrub", "stoplist export"} <= set(helps)
    assert all("environment: " in text for text in helps.values())
    assert "(default: 8000)" in helps["stoplist serve"] and "(default: 24h)" in helps["stoplist key rotate"]
    assert "STOPLIST_API_KEY" in helps["stoplist scrub"] and "(default: remove)" in helps["stoplist scrub"]
