"""The same bars on a second, differently seeded and sized organisation, to show that the
thresholds in seeds/audit_signal_thresholds.csv are not tuned to one sample."""

from __future__ import annotations

import pytest

from audit_evaluation import SIGNAL_PERSONA, heavy_productive, score
from audit_org import (
    OVERALL_PRECISION_BAR,
    RECALL_BAR,
    SIGNAL_PRECISION_BAR,
    AuditOrg,
    build_audit_org,
)

SECOND_ORG = {"employees": 400, "days": 75, "seed": 2024}

# a second, larger organisation: the slow lane (make test-slow), which CI runs too
pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def second_org(tmp_path_factory) -> AuditOrg:
    return build_audit_org(tmp_path_factory.mktemp("audit-org-2"), **SECOND_ORG)


def test_signals_meet_the_bars_on_another_seed(second_org):
    table = score(second_org.people).set_index("signal")
    print("\n" + table.to_string())
    for signal in SIGNAL_PERSONA:
        assert table.loc[signal, "recall"] >= RECALL_BAR, signal
        assert table.loc[signal, "precision"] >= SIGNAL_PRECISION_BAR, signal
    assert table.loc["any persona signal", "precision"] >= OVERALL_PRECISION_BAR


def test_heavy_but_productive_people_are_not_flagged_on_another_seed(second_org):
    people = heavy_productive(second_org.people)
    assert len(people) >= 5
    assert not people["flag_any"].any()
