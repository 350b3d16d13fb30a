"""Accuracy on the vignette suite, against baselines computed in the same run.

Prints emergency recall, triage accuracy (exact), under-triage, top-1 and top-3 condition
accuracy for quietlegs, and for two naive baselines on the same cases:

- *constant triage*: every case gets the most common expected urgency;
- *priors only*: the engine with every evidence rule and criterion switched off, so
  conditions are ranked by their pre-test probability among those whose gate is open.

The published figures for 23 online symptom checkers (Semigran et al., BMJ 2015) are shown
for orientation; they come from other cases and are not a same-run baseline.
Exits 1 if a target is missed (emergency recall 100 %, triage >= 90 %, top-3 >= 90 %).
"""

from __future__ import annotations

import collections
import dataclasses
import statistics
import sys

from quietlegs.assessment.vignettes import (
    VignetteOutcome,
    VignetteScores,
    load_vignettes,
    replay_interview,
    score_vignettes,
)
from quietlegs.knowledge import KnowledgeBase, load_knowledge_base

TARGETS = {"emergency_recall": 1.0, "triage_accuracy": 0.90, "top3": 0.90}
PUBLISHED = {"top1": 0.34, "triage_accuracy": 0.57}  # Semigran 2015, 23 symptom checkers


def priors_only(kb: KnowledgeBase) -> KnowledgeBase:
    """Return a copy of ``kb`` whose conditions keep only their prior and gate."""
    conditions = {
        cid: c.model_copy(update={"evidence": [], "criteria": [], "criteria_rule": None})
        for cid, c in kb.conditions.items()
    }
    return dataclasses.replace(kb, conditions=conditions)


def line(name: str, s: VignetteScores) -> str:
    return (
        f"{name:<22} {s.emergency_recall:>9.1%} {s.triage_accuracy:>8.1%} {s.under_triage:>8.1%} "
        f"{s.top1:>7.1%} {s.top3:>7.1%}"
    )


def main() -> int:
    kb = load_knowledge_base()
    vignettes = load_vignettes()
    scores = score_vignettes(kb, vignettes)
    replayed = score_vignettes(kb, vignettes, via_interview=True)
    asked = [len(replay_interview(kb, v)[1]) for v in vignettes]
    common = collections.Counter(v.urgency for v in vignettes).most_common(1)[0][0]
    constant = VignetteScores(
        [dataclasses.replace(o, urgency=common, ranked=[]) for o in scores.outcomes]
    )
    base = score_vignettes(priors_only(kb), vignettes)

    by_file = collections.Counter(v.file for v in vignettes)
    print(
        f"{len(vignettes)} vignettes ({', '.join(f'{f}: {n}' for f, n in sorted(by_file.items()))})"
    )
    print(f"knowledge base {kb.version}\n")
    print(f"{'':<22} {'em.recall':>9} {'triage':>8} {'under':>8} {'top-1':>7} {'top-3':>7}")
    print(line("quietlegs", scores))
    print(line("  via the interview", replayed))
    print(line("baseline: priors only", base))
    print(line(f"baseline: all {common}", constant))
    print(
        f"{'published checkers*':<22} {'':>9} {PUBLISHED['triage_accuracy']:>8.0%} {'':>8} "
        f"{PUBLISHED['top1']:>7.0%}"
    )
    print("* Semigran et al. BMJ 2015;351:h3480, 45 other vignettes; for orientation only.")
    print(
        f"interview length: median {statistics.median(asked):.0f} questions "
        f"(min {min(asked)}, max {max(asked)})\n"
    )

    wrong: list[VignetteOutcome] = [
        o
        for o in scores.outcomes
        if not o.triage_correct
        or (o.vignette.condition and (o.rank_of_expected or 99) > 3)
        or o.missing
    ]
    for o in wrong:
        print(
            f"  off: {o.vignette.id}: urgency {o.urgency} (expected {o.vignette.urgency}); "
            f"expected {o.vignette.condition} at rank {o.rank_of_expected}; top {o.ranked[:3]}"
            + (f"; missing {o.missing}" if o.missing else "")
        )
    failed = [k for k, t in TARGETS.items() if getattr(scores, k) < t]
    failed += [f"{k} via the interview" for k, t in TARGETS.items() if getattr(replayed, k) < t]
    print("targets met" if not failed else f"TARGETS MISSED: {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
