"""Every setting is in the README, with its variable, default and help (as Datasette does)."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from server.settings import SETTINGS_HELP, Settings

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture(scope="module")
def readme() -> str:
    return README.read_text(encoding="utf-8")


def _default(value: object) -> str:
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    return "*(empty)*" if value == "" else f"`{value}`"


@pytest.mark.parametrize("name", sorted(SETTINGS_HELP))
def test_setting_is_documented(readme: str, name: str) -> None:
    default = next(f.default for f in fields(Settings) if f.name == name)
    row = f"| `{name}` | `SHELFSYNC_{name.upper()}` | {_default(default)} | {SETTINGS_HELP[name]} |"
    assert row in readme.splitlines(), f"README.md needs this row in its settings table:\n{row}"


def test_readme_opens_with_the_two_commands(readme: str) -> None:
    lines = [line for line in readme.splitlines()[:6] if line.strip()]
    assert lines[0].startswith("# ")
    assert lines[1].startswith("```")
    assert lines[2:4] == ["make run", "make test"]
    assert lines[4] == "```"
