"""Measurements as answers: what a recording adds to an assessment.

A tremor measured by :mod:`quietlegs.signals.tremor` becomes the answers to the knowledge
base's measurement questions ``tremor_dominant_frequency_hz`` and ``tremor_task``
(``audience: measurement`` in ``tremor.yaml``: never asked in the patient interview, answered
from a recording). The rules of ``tremor.yaml`` weigh them: a measured 3-7 Hz rest tremor
supports parkinsonian tremor, 13-18 Hz while standing orthostatic tremor, 8-12 Hz in posture
physiological tremor, 4-12 Hz in action essential tremor (Deuschl et al. 2022; Bhatia et al.
2018).

This module takes the result as data (the object or its ``to_dict()``), so the assessment
layer needs neither numpy nor the signals package.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Protocol

#: The measurement questions a tremor recording answers (knowledge base ids).
TREMOR_FREQUENCY_QUESTION = "tremor_dominant_frequency_hz"
TREMOR_TASK_QUESTION = "tremor_task"

#: The recording conditions the knowledge base's ``tremor_task`` accepts.
TREMOR_TASKS = ("rest", "posture", "action", "standing")

#: The range of ``tremor_dominant_frequency_hz`` in the knowledge base, Hz.
TREMOR_FREQUENCY_RANGE_HZ = (0.5, 30.0)


class TremorResultLike(Protocol):
    """What :func:`tremor_answers` needs of :class:`quietlegs.signals.tremor.TremorResult`."""

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data."""


def tremor_answers(result: TremorResultLike | Mapping[str, Any]) -> dict[str, Any]:
    """The interview answers a tremor measurement gives.

    Parameters
    ----------
    result : TremorResult or dict
        A :class:`~quietlegs.signals.tremor.TremorResult`, or its ``to_dict()`` (as stored).

    Returns
    -------
    dict
        ``{"tremor_dominant_frequency_hz": f, "tremor_task": task}`` (the frequency rounded
        to 0.1 Hz) when a tremor was detected; an empty dict when none was (no tremor found
        in one recording is not evidence against a tremor that comes and goes, so nothing is
        answered).

    Raises
    ------
    ValueError
        If the result's task is not one of ``TREMOR_TASKS`` or its frequency is not a number
        within the knowledge base's range.
    """
    data: Mapping[str, Any] = result if isinstance(result, Mapping) else result.to_dict()
    frequency = data.get("dominant_frequency_hz")
    if not data.get("detected") or frequency is None:
        return {}
    task = data.get("task")
    if task not in TREMOR_TASKS:
        raise ValueError(f"task must be one of {', '.join(TREMOR_TASKS)}; got {task!r}")
    low, high = TREMOR_FREQUENCY_RANGE_HZ
    if (
        isinstance(frequency, bool)
        or not isinstance(frequency, int | float)
        or not math.isfinite(frequency)
        or not low <= frequency <= high
    ):
        raise ValueError(
            f"dominant_frequency_hz must be a number between {low:g} and {high:g} Hz; "
            f"got {frequency!r}"
        )
    return {TREMOR_FREQUENCY_QUESTION: round(float(frequency), 1), TREMOR_TASK_QUESTION: task}
