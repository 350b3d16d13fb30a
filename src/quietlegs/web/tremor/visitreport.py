"""The tremor section of a visit report: the latest measurement of each task.

The provider :func:`tremor_sections` is registered in ``TremorConfig.ready``. For each task
(rest, posture, action, standing) with a recording, the latest one gives a section: the
band, the dominant frequency and the amplitude, and the core's screening statement, which
says what lives in that band and ends "This is a measurement, not a diagnosis". Texts are
frozen in every UI language when the report is signed.
"""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from quietlegs.assessment import LANGUAGES
from quietlegs.web.accounts.models import User
from quietlegs.web.tremor import services
from quietlegs.web.tremor.models import TremorRecording
from quietlegs.web.visitreports.sections import LocalText, Section, both, each_language


def latest_per_task(patient: User) -> list[TremorRecording]:
    """``patient``'s latest recording of each task, in the order rest, posture, action,
    standing (one query per task)."""
    out = []
    for task in TremorRecording.Task.values:
        item = TremorRecording.objects.filter(patient=patient, task=task).first()
        if item is not None:
            out.append(item)
    return out


#: Units of the measurement, worded for each language.
UNIT_LABELS = {
    "Hz": gettext_lazy("Hz"),
    "mm": gettext_lazy("mm"),
    "m/s²": gettext_lazy("m/s²"),
    "rad/s": gettext_lazy("rad/s"),
}


def _amount(value: object, decimals: int, unit: str) -> LocalText:
    """``value`` with its unit in each language (``5,00 Гц``); a dash when missing."""
    if value is None:
        return each_language(lambda: "—")
    return each_language(lambda: f"{services.num(value, decimals)} {UNIT_LABELS.get(unit, unit)}")


def _pair(first: object, second: object, decimals: int, unit: str) -> LocalText:
    """``first / second unit`` (RMS / peak to peak) in each language."""
    return each_language(
        lambda: (
            f"{services.num(first, decimals)} / {services.num(second, decimals)} "
            f"{UNIT_LABELS.get(unit, unit)}"
        )
    )


def _rows(item: TremorRecording) -> list[tuple[LocalText, str | LocalText]]:
    result = item.result
    amplitude = result.get("amplitude", {})
    unit = str(result.get("unit", ""))
    band = str(result.get("band", {}).get("id", "none"))
    rows: list[tuple[LocalText, str | LocalText]] = [
        (both(gettext_lazy("Band")), both(services.BAND_LABELS.get(band, band))),
        (
            both(gettext_lazy("Dominant frequency")),
            _amount(result.get("dominant_frequency_hz"), 2, "Hz"),
        ),
        (both(gettext_lazy("Amplitude (RMS)")), _amount(amplitude.get("rms"), 3, unit)),
    ]
    if amplitude.get("displacement_rms_mm") is not None:
        rows.append(
            (
                both(gettext_lazy("Displacement (RMS / peak to peak)")),
                _pair(
                    amplitude["displacement_rms_mm"],
                    amplitude.get("displacement_peak_to_peak_mm"),
                    3,
                    "mm",
                ),
            )
        )
    if amplitude.get("angle_rms_deg") is not None:
        rows.append(
            (
                both(gettext_lazy("Angle (RMS / peak to peak)")),
                _pair(amplitude["angle_rms_deg"], amplitude.get("angle_peak_to_peak_deg"), 2, "°"),
            )
        )
    counts = result.get("window_counts", {})
    rows.append(
        (
            both(gettext_lazy("Windows with tremor")),
            each_language(
                lambda: (
                    _("%(tremor)s of %(usable)s (%(share)s %%)")
                    % {
                        "tremor": counts.get("tremor", 0),
                        "usable": counts.get("usable", 0),
                        "share": services.num(100 * float(result.get("tremor_fraction") or 0), 0),
                    }
                )
            ),
        )
    )
    return rows


def tremor_section(item: TremorRecording) -> Section:
    """One recording as a visit-report section."""
    from quietlegs.signals.tremor import screening_texts

    screening = item.result.get("screening", {})
    uploaded = timezone.localtime(item.created_at)
    return Section(
        id="tremor",
        title=both(gettext_lazy("Tremor measurement")),
        subtitle=each_language(
            lambda: (
                f"{item.original_name} · "
                f"{formats.date_format(uploaded, 'SHORT_DATE_FORMAT')} · "
                f"{item.get_task_display()}"
            )
        ),
        rows=_rows(item),
        paragraphs=[{lang: screening_texts(screening, lang)["statement"] for lang in LANGUAGES}],
    )


def tremor_sections(patient: User) -> list[Section]:
    """The visit-report sections of ``patient``'s tremor recordings (latest per task)."""
    return [tremor_section(item) for item in latest_per_task(patient)]
