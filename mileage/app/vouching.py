"""Say so on a page when a derived mart it reads was published without being vouched for.

A build publishes the core marts even when a check on a derived (audit or incentive) mart
failed, and records that mart in `quality.marts_not_vouched` (mileage/publication.py). A page
that reads such a mart calls `warn_not_vouched` with the marts it reads, once, near its title.
"""

from __future__ import annotations

import streamlit as st

from mileage.app import data
from mileage.publication import NOT_VOUCHED_TABLE


def not_vouched(wh: data.Warehouse, marts: tuple[str, ...]):
    """The recorded failed checks on `marts` (names as "fct_x" or "marts.fct_x")."""
    names = {m.rpartition(".")[2] for m in marts}
    rows = wh.query(  # one constant query, cached per warehouse version, for every page
        f"select mart, check_name, stage, failure, built_at from wh.{NOT_VOUCHED_TABLE} "
        "order by mart, stage, check_name",
        requires=[NOT_VOUCHED_TABLE],
    )
    return rows[rows["mart"].isin(names)]


def warn_not_vouched(wh: data.Warehouse, *marts: str) -> None:
    """One visible warning per derived mart of this page that failed a check in its build
    (warehouses built before this record existed show nothing)."""
    if not wh.has_table(NOT_VOUCHED_TABLE):
        return
    rows = not_vouched(wh, marts)
    for mart, checks in rows.groupby("mart", sort=True):
        listed = "; ".join(
            f"{row.stage} check `{row.check_name}`: {row.failure}" for row in checks.itertuples()
        )
        built = checks["built_at"].iloc[0]
        st.warning(
            f"**`{mart}` is not vouched for.** The build of {built:%Y-%m-%d %H:%M} UTC published "
            f"the core figures but this derived mart failed its checks, so treat what this page "
            f"shows from it with caution (absent if it could not be built). Failed: {listed}",
            icon="⚠️",
        )
