"""Sections other parts of the record add to a visit report (sleep studies, tremor...).

A *section provider* is a function ``(patient) -> list[Section]``; every registered
provider is asked when a report is signed, and what it returns is frozen into the
report's content. Register one from your app's ``AppConfig.ready()``::

    from quietlegs.web.visitreports.sections import Section, register_section_provider

    def tremor_sections(patient):
        return [Section(id="tremor", title=both(_("Tremor recordings")), rows=[...])]

    register_section_provider("tremor", tremor_sections)

Texts are frozen in every UI language (``{"en": ..., "ru": ...}``; :func:`both`
renders a lazy translation in each, :func:`each_language` anything worded in the active
language, numbers and dates formatted for it), so the signed report reads the same in
either. A *prominent* section (a warning, such as the diary's possible augmentation) is
shown boxed like the report's warning signs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy as _

from quietlegs.assessment import LANGUAGES
from quietlegs.web.accounts.models import User

#: Text in every UI language: ``{"en": "...", "ru": "..."}``.
LocalText = dict[str, str]


def both(text: Any) -> LocalText:
    """``text`` (a lazy translation, or a plain string) rendered in every UI language."""
    out: LocalText = {}
    for lang in LANGUAGES:
        with translation.override(lang):
            out[lang] = str(text)
    return out


def same(text: str) -> LocalText:
    """A text that is the same in every language (a name, a number)."""
    return dict.fromkeys(LANGUAGES, text)


def each_language(make: Callable[[], object]) -> LocalText:
    """``make()`` called with each UI language active, as text (for texts with numbers,
    dates or several translated parts: ``each_language(lambda: _("%(n)s nights") % ...)``)."""
    out: LocalText = {}
    for lang in LANGUAGES:
        with translation.override(lang):
            out[lang] = str(make())
    return out


@dataclass(frozen=True)
class Section:
    """A titled part of a visit report: label–value rows and paragraphs.

    Parameters
    ----------
    id : str
        A stable id (``"psg"``, ``"tremor"``...).
    title : LocalText
        The heading, in every language.
    rows : list of (LocalText, str or LocalText)
        Label and value pairs, shown as a table (values as given: numbers with units, or
        words in every language).
    paragraphs : list of LocalText
        Free text, one paragraph each.
    subtitle : LocalText
        A line under the heading (e.g. the recording's name and date); may be empty.
    prominent : bool
        A warning the reader must not miss: shown boxed, like the warning signs.
    """

    id: str
    title: LocalText
    rows: Sequence[tuple[LocalText, str | LocalText]] = field(default_factory=list)
    paragraphs: list[LocalText] = field(default_factory=list)
    subtitle: LocalText = field(default_factory=dict)
    prominent: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The section as JSON-ready data (what the signed content keeps)."""
        return {
            "id": self.id,
            "title": self.title,
            "subtitle": self.subtitle,
            "rows": [{"label": label, "value": value} for label, value in self.rows],
            "paragraphs": self.paragraphs,
            "prominent": self.prominent,
        }


SectionProvider = Callable[[User], list[Section]]

_PROVIDERS: dict[str, SectionProvider] = {}


def register_section_provider(name: str, provider: SectionProvider) -> None:
    """Add (or replace, by ``name``) a section provider; sections come in registration order."""
    _PROVIDERS[name] = provider


def unregister_section_provider(name: str) -> None:
    """Remove a provider (no error if it is not registered)."""
    _PROVIDERS.pop(name, None)


def section_providers() -> dict[str, SectionProvider]:
    """The registered providers by name, in order."""
    return dict(_PROVIDERS)


def collect_sections(patient: User) -> list[dict[str, Any]]:
    """Every provider's sections for ``patient``, as JSON-ready data."""
    return [s.to_dict() for provider in _PROVIDERS.values() for s in provider(patient)]


# --- the built-in provider: sleep studies ---------------------------------------------------


def _number(value: Any, decimals: int) -> LocalText:
    """A count as is, a rate with ``decimals`` decimals (``22.5``; ``22,5`` in Russian), a
    missing value as a dash."""
    if value is None:
        return same("—")
    if isinstance(value, float):
        return each_language(
            lambda: formats.number_format(round(value, decimals), decimal_pos=decimals)
        )  # rounded: number_format cuts the digits off (26.67 would be 26.6)
    return same(str(value))


def _psg_subtitle(study: Any) -> str:
    """The study's file, its day (the reader's format, the clinic's time zone) and rules."""
    from quietlegs.web.records.models import PSGStudy

    day = formats.date_format(timezone.localdate(study.created_at), "SHORT_DATE_FORMAT")
    return " · ".join((study.original_name, day, str(PSGStudy.Rules(study.rules).label)))


def _psg_finding(study: Any) -> str:
    """The study's finding in the active language."""
    return str(study.finding_message)


def _psg_warning(study: Any, index: int) -> str:
    """The study's warning ``index`` in the active language."""
    return str(_("Warning: %(text)s") % {"text": study.warning_messages[index]})


def psg_sections(patient: User) -> list[Section]:
    """One section per analysed PSG study: its key indices, basis and finding."""
    from quietlegs.web.records import psg
    from quietlegs.web.records.models import PSGStudy

    sections = []
    for study in PSGStudy.objects.filter(patient=patient, status=PSGStudy.Status.DONE):
        result = study.result or {}
        rows = [
            (both(label), _number(result.get(key), 2 if key == "periodicity_index" else 1))
            for key, label in psg.KEY_INDICES
            if key in result
        ]
        paragraphs = []
        basis = str(result.get("index_basis", ""))
        if basis in psg.INDEX_BASIS_LABELS:
            paragraphs.append(both(psg.INDEX_BASIS_LABELS[basis]))
        if result.get("finding"):
            # Worded in each language from its code (the English text for older studies).
            paragraphs.append(each_language(partial(_psg_finding, study)))
        paragraphs.extend(
            each_language(partial(_psg_warning, study, i))
            for i in range(len(result.get("warnings") or []))
        )
        sections.append(
            Section(
                id="psg",
                title=both(_("Sleep study (PSG)")),
                subtitle=each_language(partial(_psg_subtitle, study)),
                rows=rows,
                paragraphs=paragraphs,
            )
        )
    return sections


def register_builtin_providers() -> None:
    """Register the providers quietlegs itself ships (called from the app's ``ready``)."""
    register_section_provider("psg", psg_sections)
