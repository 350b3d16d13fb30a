"""The treatment timeline: knowledge-base treatment groups with their dates; lab series."""

from __future__ import annotations

import datetime as dt

import pytest

from quietlegs import DiaryError
from quietlegs.diary import (
    LabValue,
    TreatmentPeriod,
    lab_series,
    timeline_treatments,
    treatment_events,
    treatment_period,
)
from quietlegs.knowledge import KnowledgeBase
from tests.diary.synthetic import day, period, pin_clock


def test_the_flags_come_from_the_knowledge_base(kb: KnowledgeBase) -> None:
    agonist = treatment_period(kb, "dopamine_agonists_non_ergot", day(0))
    assert agonist.dopaminergic
    assert not agonist.over_the_counter
    levodopa = treatment_period(kb, "levodopa", day(0))
    assert levodopa.dopaminergic
    iron = treatment_period(kb, "oral_ferrous_sulfate", day(0), stop=day(30), changes=[day(9)])
    assert (iron.dopaminergic, iron.over_the_counter) == (False, True)
    assert not treatment_period(kb, "alpha2delta_ligands", day(0)).dopaminergic


def test_only_dopaminergic_medicines_are_flagged(kb: KnowledgeBase) -> None:
    flagged = {t.id for t in kb.treatments.values() if t.timeline and t.timeline.dopaminergic}
    assert flagged == {"levodopa", "dopamine_agonists_non_ergot", "cabergoline"}


def test_information_only_items_cannot_be_recorded(kb: KnowledgeBase) -> None:
    ids = timeline_treatments(kb)
    assert "alpha2delta_ligands" in ids
    assert "iron_not_advised_high_tsat" not in ids
    with pytest.raises(
        DiaryError, match="'iron_not_advised_high_tsat' is not a treatment that can"
    ):
        treatment_period(kb, "iron_not_advised_high_tsat", day(0))
    with pytest.raises(
        DiaryError, match="'aspirin' is not a treatment that can be recorded; allowed: "
    ):
        treatment_period(kb, "aspirin", day(0))


@pytest.mark.parametrize(
    ("start", "stop", "changes", "message"),
    [
        (day(10), day(5), (), "stop 2024-01-06 is before start 2024-01-11"),
        (day(0), day(5), (day(0),), "change 2024-01-01 is not after start 2024-01-01"),
        (day(0), day(5), (day(6),), "change 2024-01-07 is after stop 2024-01-06"),
        (day(0), None, (day(3), day(3)), "the same change day is given twice"),
        (day(61), None, (), "start 2024-03-02 is in the future"),
        (day(0), day(61), (), "stop 2024-03-02 is in the future"),
        (day(0), None, (day(61),), "change 2024-03-02 is in the future"),
    ],
)
def test_impossible_dates_are_refused(
    start: dt.date,
    stop: dt.date | None,
    changes: tuple[dt.date, ...],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pin_clock(monkeypatch)  # day 60 is the latest date anywhere, day 61 has begun nowhere
    with pytest.raises(DiaryError, match=message):
        TreatmentPeriod(treatment_id="levodopa", start=start, stop=stop, changes=changes)


def test_a_treatment_id_is_needed() -> None:
    with pytest.raises(DiaryError, match="treatment_id must be a knowledge-base id; got ''"):
        TreatmentPeriod(treatment_id="", start=day(0))


def test_events_are_in_order_and_a_stop_counts_from_the_next_day() -> None:
    a = period("levodopa", 0, stop=9, dopaminergic=True, changes=(5,))
    b = period("alpha2delta_ligands", 10)
    events = treatment_events([b, a])
    assert [(e.day, e.kind, e.treatment_id) for e in events] == [
        (day(0), "start", "levodopa"),
        (day(5), "change", "levodopa"),
        (day(10), "stop", "levodopa"),
        (day(10), "start", "alpha2delta_ligands"),
    ]
    assert events[0].dopaminergic
    assert a.active_on(day(9))
    assert not a.active_on(day(10))
    assert b.active_on(day(400))


def test_lab_series_group_by_test_oldest_first() -> None:
    values = [
        LabValue("ferritin_ng_ml", day(30), 80.0),
        LabValue("tsat_percent", day(1), 18.0),
        LabValue("ferritin_ng_ml", day(1), 35.0),
    ]
    series = lab_series(values)
    assert list(series) == ["tsat_percent", "ferritin_ng_ml"]
    assert [v.value for v in series["ferritin_ng_ml"]] == [35.0, 80.0]
