"""Speed of the assessment core.

Prints, for the shipped knowledge base and the vignette suite:

- the time to load and validate the knowledge base (target < 200 ms), against the
  baseline of only parsing its YAML (no validation);
- the median time of one full assessment from answers (target < 1 ms), against the
  baseline of only validating the answers;
- the median time to choose the next interview question (what a web request pays).

Exits 1 if a target is missed.
"""

from __future__ import annotations

import functools
import os
import statistics
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from _common import median_seconds
from quietlegs.assessment import Interview, assess, normalize_answers
from quietlegs.assessment.vignettes import load_vignettes
from quietlegs.knowledge import DEFAULT_DATA_DIR, load_knowledge_base

LOAD_TARGET_S = 0.200
ASSESS_TARGET_S = 0.001


def main() -> int:
    start = time.perf_counter()
    load_knowledge_base(cache=False)
    first_load = time.perf_counter() - start
    saved = os.environ.get("QUIETLEGS_CACHE_DIR")
    os.environ["QUIETLEGS_CACHE_DIR"] = ""  # no parse cache: every file parsed as YAML
    cold = median_seconds(lambda: load_knowledge_base(cache=False), repeat=5, warmup=1)
    if saved is None:
        del os.environ["QUIETLEGS_CACHE_DIR"]
    else:
        os.environ["QUIETLEGS_CACHE_DIR"] = saved
    load = median_seconds(lambda: load_knowledge_base(cache=False), repeat=5, warmup=1)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    files = sorted(DEFAULT_DATA_DIR.glob("*.yaml"))
    parse_only = median_seconds(
        lambda: [yaml.load(p.read_text(encoding="utf-8"), Loader=loader) for p in files],
        repeat=5,
        warmup=1,
    )
    kb = load_knowledge_base()
    vignettes = load_vignettes()
    answer_sets = [v.answers for v in vignettes]

    per_case = [median_seconds(functools.partial(assess, kb, a), repeat=30) for a in answer_sets]
    validate = [
        median_seconds(functools.partial(normalize_answers, kb, a), repeat=30) for a in answer_sets
    ]
    interview = Interview(kb)
    steps = []
    for answers in answer_sets[:20]:
        partial = dict(list(answers.items())[: max(1, len(answers) // 2)])
        steps.append(
            median_seconds(functools.partial(interview.next_question, partial), repeat=3, warmup=1)
        )

    assess_med = statistics.median(per_case)
    print(
        f"knowledge base {kb.version}: {len(kb.questions)} questions, {len(kb.conditions)} conditions"
    )
    print(f"load + validate (first, incl. imports warm-up): {first_load * 1e3:8.1f} ms")
    print(
        f"load + validate, no parse cache (median):      {cold * 1e3:8.1f} ms   target < {LOAD_TARGET_S * 1e3:.0f} ms"
    )
    print(
        f"load + validate (median of 5):                 {load * 1e3:8.1f} ms   target < {LOAD_TARGET_S * 1e3:.0f} ms"
    )
    print(
        f"  baseline: YAML parsing only:                 {parse_only * 1e3:8.1f} ms   ({load / parse_only:.1f}x)"
    )
    print(
        f"assessment, median over {len(per_case)} vignettes:      {assess_med * 1e3:8.3f} ms   target < {ASSESS_TARGET_S * 1e3:.0f} ms"
    )
    print(f"  slowest vignette:                            {max(per_case) * 1e3:8.3f} ms")
    print(
        f"  baseline: answer validation only:            {statistics.median(validate) * 1e3:8.3f} ms"
    )
    print(
        f"next interview question, median of {len(steps)}:        {statistics.median(steps) * 1e3:8.1f} ms  (max {max(steps) * 1e3:.1f} ms)"
    )
    ok = max(load, cold) < LOAD_TARGET_S and assess_med < ASSESS_TARGET_S
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
