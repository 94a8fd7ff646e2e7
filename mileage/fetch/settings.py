"""Credentials and settings: environment variables first, then a TOML file outside the repo.

Credentials are read from here only (never from command-line arguments, which land in shell
history and `ps`). The file is `$MILEAGE_FETCH_CONFIG` or `~/.config/mileage/fetch.toml`, a
flat table whose keys are the environment variables' names; a file inside the raw directory
or the project is refused, because both get copied, shared and committed.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from mileage import config

ENV_CONFIG_FILE = "MILEAGE_FETCH_CONFIG"
DEFAULT_CONFIG_FILE = Path("~/.config/mileage/fetch.toml")

# Non-secret settings with their defaults (the vendors' public base URLs).
DEFAULTS = {
    "MILEAGE_FETCH_ANTHROPIC_URL": "https://api.anthropic.com",
    "MILEAGE_FETCH_OPENAI_URL": "https://api.openai.com",
    "MILEAGE_FETCH_CURSOR_URL": "https://api.cursor.com",
    "MILEAGE_FETCH_GITHUB_URL": "https://api.github.com",
    "MILEAGE_FETCH_DEFAULT_DAYS": "30",
}


class SettingsError(RuntimeError):
    """A setting or credential is missing or stored where it must not be (one line)."""


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def config_file(environ: dict[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    return Path(environ.get(ENV_CONFIG_FILE) or DEFAULT_CONFIG_FILE).expanduser()


def load(raw_dir: Path, environ: dict[str, str] | None = None) -> dict[str, str]:
    """Every setting and credential: defaults, then the config file, then the environment."""
    environ = dict(os.environ if environ is None else environ)
    values = dict(DEFAULTS)
    path = config_file(environ)
    if path.is_file():
        for folder, what in ((Path(raw_dir), "raw directory"), (config.PROJECT_DIR, "project")):
            if _inside(path, folder):
                raise SettingsError(
                    f"credentials file {path} is inside the {what}: move it outside "
                    "(e.g. ~/.config/mileage/fetch.toml) so it is never copied or committed"
                )
        try:
            values.update({k: str(v) for k, v in tomllib.loads(path.read_text()).items()})
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"credentials file {path} is not valid TOML: {exc}") from None
    values.update(environ)
    return values


def require(values: dict[str, str], source: str, *names: str) -> tuple[str, ...]:
    missing = [n for n in names if not values.get(n)]
    if missing:
        raise SettingsError(
            f"{source}: {', '.join(missing)} not set: export it or put it in {config_file()} "
            "(never on the command line)"
        )
    return tuple(values[n] for n in names)
