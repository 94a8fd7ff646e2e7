"""dbt-duckdb plugin: the pseudonymisation key reaches DuckDB as session variables, not as SQL.

macros/pseudonymise.sql hashes identities with HMAC-SHA256. Were the padded keys rendered into
the SQL as literals, dbt would write them into every compiled and run file under target/, its
debug log and its partial-parse state, and anyone who can read those files could re-identify
people. Instead this plugin (profiles.yml, `plugins:` of the duckdb output) sets them on every
DuckDB connection and cursor dbt opens, and the macro reads them with `getvariable(...)`.

The pads come from the environment dbt runs in (mileage.dbt_runner.dbt_env derives them from
MILEAGE_PSEUDONYM_KEY). Without them the variables stay unset, so that what needs no key (`mf
query`, `dbt docs`) still connects, and a model that pseudonymises fails with a message saying
what is missing (the macro's guard); malformed pads fail the connection.
"""

from __future__ import annotations

import os

from dbt.adapters.duckdb.plugins import BasePlugin

from mileage.config import configure_duckdb
from mileage.dbt_runner import HMAC_BLOCK_SIZE, PAD_ENV

# environment variable -> DuckDB variable (macros/pseudonymise.sql reads the variables)
PAD_VARIABLES = dict(
    zip(PAD_ENV, ("mileage_pseudonym_ipad", "mileage_pseudonym_opad"), strict=True)
)


class MalformedPseudonymPad(ValueError):
    """A pseudonymisation pad in the environment is not HMAC_BLOCK_SIZE bytes of hex."""


def pads_from_environment() -> dict[str, bytes]:
    """DuckDB variable -> pad, for the pads the environment holds (none, or both)."""
    pads = {}
    for env_name, variable in PAD_VARIABLES.items():
        value = os.environ.get(env_name)
        if value is None:
            continue
        try:
            pad = bytes.fromhex(value)
        except ValueError:
            pad = b""
        if len(pad) != HMAC_BLOCK_SIZE:
            raise MalformedPseudonymPad(
                f"{env_name} is not {HMAC_BLOCK_SIZE} bytes of hex: let `mileage build` (or "
                "mileage.dbt_runner.dbt_env) derive it from MILEAGE_PSEUDONYM_KEY"
            )
        pads[variable] = pad
    if pads and len(pads) != len(PAD_VARIABLES):
        raise MalformedPseudonymPad(f"set both {' and '.join(PAD_VARIABLES)}, or neither")
    return pads


def set_pad_variables(connection) -> None:
    for variable, pad in pads_from_environment().items():
        # a parameter, so the value appears in no SQL text
        connection.execute(f"set variable {variable} = ?::blob", [pad])


class Plugin(BasePlugin):
    def configure_connection(self, conn):
        configure_duckdb(conn)  # UTC whatever the host's TZ (mileage.config)
        set_pad_variables(conn)

    def configure_cursor(self, cursor):
        # DuckDB variables and settings belong to one connection; dbt runs each thread on a cursor
        configure_duckdb(cursor)
        set_pad_variables(cursor)
