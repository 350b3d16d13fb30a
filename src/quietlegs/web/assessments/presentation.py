"""The stored report, arranged for the report page and the PDF (labels only, no logic).

The report dictionary is exactly what the core returned
(:meth:`quietlegs.assessment.Report.to_dict`); this module adds UI labels for its
codes (treatment direction, evidence levels...) and the question texts behind each
reason, so templates need no look-ups.
"""

from __future__ import annotations

import copy
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from quietlegs.web.knowledge import kb

DIRECTION_LABELS: dict[str, Promise] = {
    "for": _("Suggested for use"),
    "against": _("Advised against"),
    "against_standard_use": _("Advised against standard use"),
    "no_recommendation": _("No recommendation either way"),
}
STRENGTH_LABELS: dict[str, Promise] = {
    "strong": _("strong recommendation"),
    "conditional": _("conditional recommendation"),
    "good_practice": _("good practice statement"),
    "not_graded": _("not graded"),
}
CERTAINTY_LABELS: dict[str, Promise] = {
    "high": _("high certainty of evidence"),
    "moderate": _("moderate certainty of evidence"),
    "low": _("low certainty of evidence"),
    "very_low": _("very low certainty of evidence"),
    "not_graded": _("certainty not graded"),
}
EVIDENCE_LEVEL_LABELS: dict[str, Promise] = {
    "guideline": _("clinical guideline"),
    "trial": _("clinical trials"),
    "observational": _("observational studies"),
    "expert_opinion": _("expert opinion"),
    "none": _("no good evidence"),
    "established": _("established cause"),
    "weak": _("weak association"),
    "not_established": _("not established"),
}
SOURCE_LABELS: dict[str, Promise] = {
    "article": _("from the clinic article"),
    "guideline": _("from current guidelines"),
    "article_and_guideline": _("from the clinic article and current guidelines"),
}
FORM_LABELS: dict[str, Promise] = {
    "primary": _("Primary: no established secondary cause was found"),
    "secondary": _("Secondary: an established cause was found"),
}
DIRECTION_OF_REASON: dict[str, Promise] = {
    "for": _("points to it"),
    "against": _("points away from it"),
}


def _criterion_label(met: bool | None) -> Promise:
    if met is True:
        return _("met")
    if met is False:
        return _("not met")
    return _("not asked")


def _criterion_state(met: bool | None) -> str:
    if met is None:
        return "unknown"
    return "met" if met else "not-met"


def _flags_shown_once(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A stored report's reasons with a red flag worded as one of the evidence's shown
    once (reports stored before :func:`quietlegs.assessment.report.merge_flag_reasons`
    listed both): at the flag's place, with the evidence's likelihood ratio and answers
    and both one's references. Other reasons all stay."""

    def key(reason: dict[str, Any]) -> tuple[str, str]:
        return str(reason.get("text", "")).strip().casefold(), str(reason.get("direction"))

    evidence: dict[tuple[str, str], dict[str, Any]] = {}
    for reason in reversed(reasons):
        if reason.get("likelihood_ratio") is not None:
            evidence[key(reason)] = reason
    out: list[dict[str, Any]] = []
    used: list[dict[str, Any]] = []
    for reason in reasons:
        if any(reason is u for u in used):
            continue
        twin = evidence.get(key(reason)) if reason.get("likelihood_ratio") is None else None
        if twin is None or any(twin is u for u in used):
            out.append(reason)
            continue
        if any(twin is o for o in out):  # the evidence is shown already
            continue
        used.append(twin)
        references = list(dict.fromkeys([*reason.get("references", []), *twin["references"]]))
        out.append({**twin, "references": references})
    return out


def report_context(report: dict[str, Any], lang: str) -> dict[str, Any]:
    """Return a copy of ``report`` with labels added for the templates.

    Parameters
    ----------
    report : dict
        A stored report (JSON form of :class:`quietlegs.assessment.Report`).
    lang : str
        The report's language (question texts behind reasons are shown in it).

    Returns
    -------
    report : dict
        The same data; conditions gain ``reasons_for``/``reasons_against`` (each
        reason with ``shown_answers``: pairs of question text and answer),
        criteria gain ``label`` and ``state``; treatments, advice and causes gain
        labels for their codes; ``emergency_flags``/``urgent_flags`` split the red
        flags.
    """
    knowledge = kb()
    out = copy.deepcopy(report)
    names = {c["id"]: c["name"] for c in out.get("conditions", [])}

    def question_text(qid: str) -> str:
        question = knowledge.questions.get(qid)
        return question.text.get(lang) if question is not None else qid

    for condition in out.get("conditions", []) + out.get("considered_unlikely", []):
        condition["reasons"] = _flags_shown_once(condition["reasons"])
        for reason in condition["reasons"]:
            reason["shown_answers"] = [
                (question_text(qid), answer) for qid, answer in reason["answers"].items()
            ]
            reason["direction_label"] = DIRECTION_OF_REASON.get(reason["direction"], "")
        condition["reasons_for"] = [r for r in condition["reasons"] if r["direction"] == "for"]
        condition["reasons_against"] = [
            r for r in condition["reasons"] if r["direction"] == "against"
        ]
        for criterion in condition["criteria"]:
            criterion["label"] = _criterion_label(criterion["met"])
            criterion["state"] = _criterion_state(criterion["met"])
        condition["form_label"] = FORM_LABELS.get(condition.get("form") or "", "")
        for cause in condition["secondary_causes"]:
            cause["evidence_label"] = EVIDENCE_LEVEL_LABELS.get(cause["evidence_level"], "")
    for treatment in out.get("treatments", []):
        treatment["direction_label"] = DIRECTION_LABELS.get(treatment["direction"], "")
        treatment["strength_label"] = STRENGTH_LABELS.get(treatment["strength"], "")
        treatment["certainty_label"] = CERTAINTY_LABELS.get(treatment["certainty"], "")
        treatment["condition_names"] = [names.get(c, c) for c in treatment["conditions"]]
    for advice in out.get("advice", []):
        advice["evidence_label"] = EVIDENCE_LEVEL_LABELS.get(advice["evidence_level"], "")
        advice["source_label"] = SOURCE_LABELS.get(advice["source"], "")
    flags = out.get("red_flags", [])
    out["emergency_flags"] = [f for f in flags if f["urgency"] == "emergency"]
    out["urgent_flags"] = [f for f in flags if f["urgency"] != "emergency"]
    out["reference_list"] = list(out.get("references", {}).items())
    return out
