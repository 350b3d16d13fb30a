"""Every threshold the diary analysis uses, as a named constant with its source.

Sources (knowledge-base reference ids in brackets, see
``src/quietlegs/knowledge/data/references.yaml``):

- MPI 2007: Garcia-Borreguero D, Allen RP, Kohnen R, et al. Diagnostic standards for
  dopaminergic augmentation of restless legs syndrome: report from a World Association
  of Sleep Medicine - International Restless Legs Syndrome Study Group consensus
  conference at the Max Planck Institute. Sleep Med 2007;8(5):520-530
  [``garciaborreguero2007_mpi``]. The clinical brief marks the criteria
  "[K: high confidence in structure; check exact wording]".
- JHRLSS: Allen RP, Earley CJ. Validation of the Johns Hopkins restless legs severity
  scale. Sleep Med 2001;2(3):239-242 [``allen2001_jhrlss``]. The anchors are [K/?] in
  the clinical brief; quietlegs words the scale itself and scores it from the diary's
  onset time.
- Circadian rhythm: Trenkwalder C, Hening WA, Walters AS, et al. Circadian rhythm of
  periodic limb movements and sensory symptoms of restless legs syndrome. Mov Disord
  1999;14(1):102-110 [``trenkwalder1999_circadian``].
- IRLS bands: Walters AS, LeBrocq C, Dhar A, et al. (IRLSSG). Validation of the
  International Restless Legs Syndrome Study Group rating scale for restless legs
  syndrome. Sleep Med 2003;4(2):121-132 (cited for its severity bands only; the IRLS
  itself is licensed and is not used).

Statistical sources (serial correlation of the nightly values, see
:mod:`quietlegs.diary._stats`):

- Bayley 1946: Bayley GV, Hammersley JM. The "effective" number of independent
  observations in an autocorrelated time series. Suppl J R Stat Soc 1946;8(2):184-197.
- Zwiers 1995: Zwiers FW, von Storch H. Taking serial correlation into account in
  tests of the mean. J Climate 1995;8(2):336-351.
- Marriott 1954: Marriott FHC, Pope JA. Bias in the estimation of autocorrelations.
  Biometrika 1954;41(3/4):390-402; and Kendall MG. Note on bias in the estimation of
  autocorrelation. Biometrika 1954;41(3/4):403-404.

Where no source sets a number (the length of a comparison window, the fewest days
that support a claim), the constant is marked *quietlegs convention* and the reason
is given. ``docs/monitoring.md`` explains each rule.
"""

from __future__ import annotations

import datetime as dt

# --- The diary day ------------------------------------------------------------------------
#: The diary day starts at 06:00 (minutes after midnight): an onset between 00:00 and
#: 05:59 belongs to the night that began on the entry's day. RLS symptoms are at their
#: lowest in the early morning (Trenkwalder 1999), so the cut falls where symptoms are
#: rarest. quietlegs convention based on that circadian rhythm.
DIARY_DAY_START_MIN = 6 * 60

# --- Weekly severity band ---------------------------------------------------------------
#: Upper bounds (inclusive) of the bands of a week's mean 0-10 severity. The IRLS bands
#: (total 0-40: 0 none, 1-10 mild, 11-20 moderate, 21-30 severe, 31-40 very severe;
#: Walters 2003) rescaled linearly to 0-10 (one IRLS point = 0.25). A reading aid for
#: the charts, NOT a validated cut-off of the 0-10 diary rating.
SEVERITY_BANDS: tuple[tuple[str, float], ...] = (
    ("none", 0.25),
    ("mild", 2.5),
    ("moderate", 5.0),
    ("severe", 7.5),
    ("very_severe", 10.0),
)

# --- Johns Hopkins-style time-of-onset score ---------------------------------------------
#: JHRLSS anchor 2 begins in the evening, from 18:00 (Allen & Earley 2001): symptoms
#: starting before this score 3 ("during the day"), from it until bedtime 2.
JHRLSS_EVENING_START = dt.time(18, 0)
#: Bedtime assumed for the JHRLSS score when an entry gives none (quietlegs
#: convention: a common adult bedtime; the score is marked as using it).
DEFAULT_BEDTIME = dt.time(22, 30)
#: The score meanings: 0 no symptoms; 1 only at or after bedtime; 2 starting in the
#: evening (from 18:00) before bedtime; 3 starting during the day, before 18:00.
JHRLSS_SCORES: tuple[int, ...] = (0, 1, 2, 3)

# --- Effectiveness of a treatment change ----------------------------------------------------
#: Days compared on each side of a treatment change (at most; a window stops at the
#: previous or next change). quietlegs convention: two weeks hold enough nights to
#: average out night-to-night variation and are short enough to reflect the change.
EFFECT_WINDOW_DAYS = 14
#: Days right after a change that are left out of the "after" window while the change
#: takes effect (and out of the next "before" window). quietlegs convention; iron
#: treatment can take weeks to act, which the result's wording notes.
EFFECT_SETTLE_DAYS = 3
#: Fewest diary entries on each side for a before/after comparison; with fewer the
#: result says "not enough days" and gives no estimate. quietlegs convention (a week).
MIN_DAYS_PER_SIDE = 7
#: Confidence level of every interval the analysis reports.
CONFIDENCE_LEVEL = 0.95

# --- Serial correlation of the nightly values ----------------------------------------------
#: Nights are not independent: a bad night tends to follow a bad night. Every interval
#: models the nightly values as a first-order autoregressive (AR(1)) series whose
#: lag-1 autocorrelation rho is estimated from the diary; the variance of a
#: difference of means then follows from rho**|days apart| (Bayley 1946; Zwiers 1995).
#: Estimates of rho below this are raised to it: a negative estimate would narrow the
#: interval below the one for independent nights. Implementation choice (RLS diaries
#: are positively autocorrelated; a negative estimate from a few weeks is taken as noise).
MIN_AUTOCORRELATION = 0.0
#: Estimates above this are lowered to it. Implementation choice: at 0.9 fourteen
#: consecutive nights already count as about 1.5 independent ones; closer to 1 an AR(1)
#: series cannot be told from a slow trend and the model says nothing useful.
MAX_AUTOCORRELATION = 0.9
#: Fewest pairs of consecutive recorded nights needed to estimate rho; with fewer the
#: most cautious value, ``MAX_AUTOCORRELATION``, is assumed. Implementation choice
#: (about two weeks of nightly entries; a lag-1 correlation from fewer pairs has a
#: standard error above 0.3).
MIN_AUTOCORRELATION_PAIRS = 10
#: Fewest "effective" nights a side counts as in the degrees of freedom of the t
#: quantile (one degree of freedom per side at least). Implementation choice.
MIN_EFFECTIVE_NIGHTS = 2.0

# --- Augmentation (MPI 2007) -------------------------------------------------------------------
#: MPI criterion C(a): symptoms start at least 4 hours earlier than before treatment.
AUGMENTATION_ONSET_EARLIER_MIN = 4 * 60
#: MPI criterion C(b): symptoms start 2-4 hours earlier than before treatment, together
#: with at least one of: a shorter latency to symptoms at rest, spread to other body
#: parts (e.g. the arms), greater intensity (compared with before treatment).
AUGMENTATION_ONSET_EARLIER_WITH_FEATURE_MIN = 2 * 60
#: MPI criterion A(1): the worsening is present on at least 5 of the 7 days of the
#: previous week.
AUGMENTATION_DAYS_REQUIRED = 5
#: ... of this many days (the previous week).
AUGMENTATION_WEEK_DAYS = 7
#: The pre-treatment baseline is read from the diary entries of this many days before
#: the dopaminergic treatment started. quietlegs convention (four weeks).
AUGMENTATION_BASELINE_DAYS = 28
#: Fewest baseline entries with symptoms and an onset time needed to set the baseline
#: onset; with fewer the check says "no baseline". quietlegs convention.
AUGMENTATION_MIN_BASELINE_DAYS = 3

# --- Personal triggers -------------------------------------------------------------------------
#: Fewest diary entries on each side (days with and days without a trigger) before a
#: trigger's effect is estimated. quietlegs convention (a week each side).
MIN_TRIGGER_DAYS_PER_SIDE = 7
