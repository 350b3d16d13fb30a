"""Plain-text rendering of a :class:`~quietlegs.assessment.Report` (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape as e
from rich.panel import Panel
from rich.text import Text

from quietlegs.assessment.report import Report

_HEADINGS = {
    "en": {
        "red_flags": "WARNING SIGNS",
        "conditions": "Likely conditions",
        "criteria": "RLS essential criteria (IRLSSG)",
        "for": "points to it",
        "against": "points away",
        "tests": "Tests to ask for",
        "referrals": "Specialists",
        "advice": "Your prevention plan",
        "treatments": "Treatment information",
        "met": "met",
        "not_met": "not met",
        "unknown": "not asked",
        "primary": "primary (no established secondary cause found)",
        "secondary": "secondary",
        "causes": "possible contributors",
        "references": "References",
        "evidence": "evidence",
        "article": "the clinic article",
        "unlikely": "Also considered, unlikely",
    },
    "ru": {
        "red_flags": "ТРЕВОЖНЫЕ ПРИЗНАКИ",
        "conditions": "Вероятные состояния",
        "criteria": "Основные критерии СБН (IRLSSG)",
        "for": "за",
        "against": "против",
        "tests": "Какие обследования обсудить",
        "referrals": "Специалисты",
        "advice": "Ваш план профилактики",
        "treatments": "Сведения о лечении",
        "met": "выполнен",
        "not_met": "не выполнен",
        "unknown": "не спрашивали",
        "primary": "первичный (установленных вторичных причин не найдено)",
        "secondary": "вторичный",
        "causes": "возможные причины",
        "references": "Источники",
        "evidence": "доказательность",
        "article": "статья клиники",
        "unlikely": "Также рассмотрено, маловероятно",
    },
}

_URGENCY_STYLE = {
    "emergency": "bold white on red",
    "urgent": "bold black on yellow",
    "routine": "bold",
    "self_care": "bold green",
}


def render_text(report: Report, console: Console) -> None:
    """Print a report, urgency and red flags first.

    Parameters
    ----------
    report : Report
        The report.
    console : rich.console.Console
        Where to print.
    """
    h = _HEADINGS[report.language]
    style = _URGENCY_STYLE[report.urgency]
    console.print(
        Panel(Text(f"{report.urgency_label}\n\n{report.urgency_reason}"), style=style, expand=True),
        highlight=False,
    )
    if report.red_flags:
        console.print(f"[bold red]{h['red_flags']}[/]", highlight=False)
        for flag in report.red_flags:
            console.print(
                f"  [red]![/] [bold]{e(flag.name)}[/] — {e(flag.action)}", highlight=False
            )
        console.print()
    console.print(Text(report.emergency_call), style="italic", highlight=False)
    console.print()
    if report.conditions:
        console.print(f"[bold underline]{h['conditions']}[/]", highlight=False)
        for i, cond in enumerate(report.conditions, start=1):
            console.print(
                f"{i}. [bold]{e(cond.name)}[/] ({e(cond.likelihood_label)})", highlight=False
            )
            for reason in cond.reasons:
                mark = "+" if reason.direction == "for" else "−"
                answers = "; ".join(f"{q}: {a}" for q, a in reason.answers.items())
                tail = f" [dim]({e(answers)})[/]" if answers else ""
                console.print(f"     {mark} {e(reason.text)}{tail}", highlight=False)
            if cond.criteria:
                console.print(f"     [italic]{h['criteria']}[/]", highlight=False)
                for crit in cond.criteria:
                    state = (
                        h["met"]
                        if crit.met
                        else (h["unknown"] if crit.met is None else h["not_met"])
                    )
                    console.print(f"       {e(f'[{state}]')} {e(crit.text)}", highlight=False)
            for spec in cond.specifiers:
                console.print(f"     • {e(spec['name'])}", highlight=False)
            if cond.form:
                causes = ", ".join(c.name for c in cond.secondary_causes)
                line = f"     {h[cond.form]}" + (f"; {h['causes']}: {causes}" if causes else "")
                console.print(Text(line), highlight=False)
        console.print()
    if report.considered_unlikely:
        names = ", ".join(c.name for c in report.considered_unlikely)
        console.print(f"[dim]{h['unlikely']}: {e(names)}[/]", highlight=False)
        console.print()
    for key, items in (("tests", report.tests), ("referrals", report.referrals)):
        if items:
            console.print(f"[bold underline]{h[key]}[/]", highlight=False)
            for item in items:
                console.print(
                    f"• [bold]{e(item.name)}[/]: {e(' '.join(item.why))}", highlight=False
                )
            console.print()
    if report.advice:
        console.print(f"[bold underline]{h['advice']}[/]", highlight=False)
        for advice in report.advice:
            console.print(
                f"• {e(advice.text)} [dim]({h['evidence']}: {e(advice.evidence)})[/]",
                highlight=False,
            )
        console.print()
    if report.treatments:
        console.print(f"[bold underline]{h['treatments']}[/]", highlight=False)
        console.print(Text(report.treatment_notice), style="italic", highlight=False)
        for t in report.treatments:
            grade = (
                f"{t.direction.replace('_', ' ')}, {t.strength}, {t.certainty.replace('_', ' ')}"
            )
            console.print(f"• [bold]{e(t.name)}[/] {e(f'[{grade}]')}: {e(t.info)}", highlight=False)
            if t.article_note:
                console.print(
                    f"    [yellow]{h['article']}:[/] {e(t.article_note)}", highlight=False
                )
        console.print()
    console.print(Panel(Text(report.disclaimer), expand=True), highlight=False)
    console.print(f"[dim]knowledge base {e(report.knowledge_version)}[/]", highlight=False)
    if report.references:
        console.print(f"[dim]{h['references']}:[/]", highlight=False)
        for ref_id, citation in report.references.items():
            console.print(f"[dim]  {e(f'[{ref_id}]')} {e(citation)}[/]", highlight=False)
