"""Two stored reports side by side: urgency, each condition's band, what changed.

Only the stored reports are compared (no re-assessment); the order of bands and
urgency levels is the core's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from quietlegs.knowledge.predicates import BAND_RANK
from quietlegs.knowledge.schema import URGENCY_LEVELS


@dataclass(frozen=True)
class ConditionRow:
    """One condition in either report: its band in each (``None``: not listed)."""

    id: str
    name: str
    before: str | None
    after: str | None
    change: str  # "new", "gone", "up", "down", "same"


@dataclass
class Comparison:
    """What changed from the ``before`` report to the ``after`` report."""

    urgency_before: str
    urgency_after: str
    urgency_change: str  # "more_urgent", "less_urgent", "same"
    conditions: list[ConditionRow] = field(default_factory=list)
    flags_added: list[str] = field(default_factory=list)
    flags_gone: list[str] = field(default_factory=list)
    tests_added: list[str] = field(default_factory=list)
    tests_gone: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether anything differs."""
        return bool(
            self.urgency_change != "same"
            or any(row.change != "same" for row in self.conditions)
            or self.flags_added
            or self.flags_gone
            or self.tests_added
            or self.tests_gone
        )


def _bands(report: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {c["id"]: (c["name"], c["likelihood_label"]) for c in report.get("conditions", [])}


def _band_ids(report: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["likelihood"] for c in report.get("conditions", [])}


def _names(items: list[dict[str, Any]]) -> dict[str, str]:
    return {i["id"]: i["name"] for i in items}


def compare_reports(before: dict[str, Any], after: dict[str, Any]) -> Comparison:
    """Compare two stored reports (same language).

    Parameters
    ----------
    before, after : dict
        Stored reports (JSON form of :class:`quietlegs.assessment.Report`), the
        earlier one first.

    Returns
    -------
    comparison : Comparison
        Urgency labels and direction, every condition listed in either report with
        its band label in each, red flags and tests that appeared or went away.
    """
    rank = {u: i for i, u in enumerate(URGENCY_LEVELS)}  # 0 = most urgent
    u_before, u_after = rank[before["urgency"]], rank[after["urgency"]]
    comparison = Comparison(
        urgency_before=before["urgency_label"],
        urgency_after=after["urgency_label"],
        urgency_change=(
            "same"
            if u_before == u_after
            else "more_urgent"
            if u_after < u_before
            else "less_urgent"
        ),
    )
    labels_before, labels_after = _bands(before), _bands(after)
    ids_before, ids_after = _band_ids(before), _band_ids(after)
    order = list(ids_after) + [c for c in ids_before if c not in ids_after]
    for cid in order:
        name = (labels_after.get(cid) or labels_before[cid])[0]
        b, a = ids_before.get(cid), ids_after.get(cid)
        if b is None:
            change = "new"
        elif a is None:
            change = "gone"
        elif BAND_RANK[a] > BAND_RANK[b]:
            change = "up"
        elif BAND_RANK[a] < BAND_RANK[b]:
            change = "down"
        else:
            change = "same"
        comparison.conditions.append(
            ConditionRow(
                id=cid,
                name=name,
                before=labels_before[cid][1] if cid in labels_before else None,
                after=labels_after[cid][1] if cid in labels_after else None,
                change=change,
            )
        )
    for key, added, gone in (
        ("red_flags", comparison.flags_added, comparison.flags_gone),
        ("tests", comparison.tests_added, comparison.tests_gone),
    ):
        names_before, names_after = _names(before.get(key, [])), _names(after.get(key, []))
        added.extend(n for i, n in names_after.items() if i not in names_before)
        gone.extend(n for i, n in names_before.items() if i not in names_after)
    return comparison
