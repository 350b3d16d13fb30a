"""Tremor recordings in the patient's FHIR bundle: one Observation per recording.

No LOINC code describes a tremor measured with a phone's accelerometer or gyroscope, so
the Observation and its components use quietlegs' own code system
(:data:`~quietlegs.web.interop.codes.TREMOR_SYSTEM`, in the style of the diary's), with
the frequency band and the recording task in two more (``tremor-band``, ``tremor-task``).
Quantities carry UCUM units (``Hz``, ``m/s2``, ``rad/s``, ``mm``, ``deg``, ``%``).
``docs/fhir.md`` has the mapping. The contributor :func:`tremor_resources` is registered
in ``TremorConfig.ready``.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation
from fhir.resources.observation import Observation
from fhir.resources.resource import Resource

from quietlegs.web.accounts.models import User
from quietlegs.web.interop import codes
from quietlegs.web.interop.export import EXPORT_LANGUAGE, patient_reference
from quietlegs.web.tremor import services
from quietlegs.web.tremor.models import TremorRecording

#: The Observation's code.
MEASUREMENT_CODE = ("tremor-measurement", "Tremor measurement from a motion recording")
#: Component codes: key → (code, display).
COMPONENT_CODES: dict[str, tuple[str, str]] = {
    "detected": ("tremor-detected", "Tremor detected above the sensor's floor"),
    "frequency": ("dominant-frequency", "Dominant tremor frequency"),
    "rms": ("amplitude-rms", "Tremor amplitude (RMS of the tremor peak)"),
    "band_rms": ("band-rms", "Movement in the 3-20 Hz band (RMS)"),
    "displacement": ("displacement-rms", "Tremor displacement (RMS)"),
    "angle": ("angle-rms", "Tremor angle (RMS)"),
    "bandwidth": ("bandwidth", "Half-power bandwidth of the tremor peak"),
    "fraction": ("tremor-fraction", "Share of the analysed windows with tremor"),
    "tsi": ("tremor-stability-index", "Tremor stability index"),
    "band": ("frequency-band", "Frequency band and condition of the tremor"),
    "task": ("recording-task", "Task during the recording"),
}
#: The result's units → UCUM codes.
UCUM_OF_UNIT: dict[str, str] = {"m/s²": "m/s2", "rad/s": "rad/s"}


def _component(key: str, value: dict[str, Any]) -> dict[str, Any]:
    code, display = COMPONENT_CODES[key]
    return {
        "code": {"coding": [{"system": codes.TREMOR_SYSTEM, "code": code, "display": display}]},
        **value,
    }


def _quantity(value: Any, unit: str, ucum: str, digits: int) -> dict[str, Any]:
    return {
        "valueQuantity": {
            "value": round(float(value), digits),
            "unit": unit,
            "system": codes.UCUM,
            "code": ucum,
        }
    }


def observation_id(item: TremorRecording) -> str:
    """The Observation's id: ``tremor-<recording number>``."""
    return codes.fhir_id("tremor", item.pk)


def tremor_observation(item: TremorRecording, patient: User) -> Observation:
    """One recording's measurement as a validated FHIR Observation (texts in English)."""
    from quietlegs.signals.tremor import screening_texts

    result = item.result
    amplitude = result.get("amplitude", {})
    unit = str(result.get("unit", amplitude.get("unit", "")))
    band = str(result.get("band", {}).get("id", "none"))
    components = [_component("detected", {"valueBoolean": bool(result.get("detected"))})]
    if result.get("dominant_frequency_hz") is not None:
        components.append(
            _component("frequency", _quantity(result["dominant_frequency_hz"], "Hz", "Hz", 2))
        )
    if amplitude.get("rms") is not None and unit in UCUM_OF_UNIT:
        components.append(
            _component("rms", _quantity(amplitude["rms"], unit, UCUM_OF_UNIT[unit], 6))
        )
    if amplitude.get("band_rms") is not None and unit in UCUM_OF_UNIT:
        components.append(
            _component("band_rms", _quantity(amplitude["band_rms"], unit, UCUM_OF_UNIT[unit], 6))
        )
    if amplitude.get("displacement_rms_mm") is not None:
        components.append(
            _component("displacement", _quantity(amplitude["displacement_rms_mm"], "mm", "mm", 4))
        )
    if amplitude.get("angle_rms_deg") is not None:
        components.append(_component("angle", _quantity(amplitude["angle_rms_deg"], "°", "deg", 3)))
    if result.get("bandwidth_hz") is not None:
        components.append(_component("bandwidth", _quantity(result["bandwidth_hz"], "Hz", "Hz", 3)))
    if result.get("tremor_fraction") is not None:
        components.append(
            _component("fraction", _quantity(100 * float(result["tremor_fraction"]), "%", "%", 1))
        )
    if result.get("tsi") is not None:
        components.append(_component("tsi", _quantity(result["tsi"], "Hz", "Hz", 4)))
    with translation.override(EXPORT_LANGUAGE):
        band_label = str(services.BAND_LABELS.get(band, band))
        task_label = str(TremorRecording.Task(item.task).label)
    components.append(
        _component(
            "band",
            {
                "valueCodeableConcept": {
                    "coding": [
                        {"system": codes.TREMOR_BAND_SYSTEM, "code": band, "display": band_label}
                    ],
                    "text": band_label,
                }
            },
        )
    )
    components.append(
        _component(
            "task",
            {
                "valueCodeableConcept": {
                    "coding": [
                        {
                            "system": codes.TREMOR_TASK_SYSTEM,
                            "code": item.task,
                            "display": task_label,
                        }
                    ],
                    "text": task_label,
                }
            },
        )
    )
    recording = result.get("recording", {})
    sensor = str(recording.get("sensor", result.get("sensor", "")))
    method = (
        f"{sensor} recording ({item.original_name}), {result.get('duration_s', 0):.1f} s at "
        f"{result.get('sfreq_hz', 0):.0f} Hz; band-pass, Welch spectrum and peak search "
        "(quietlegs.signals.tremor)"
    )
    statement = screening_texts(result.get("screening", {}), EXPORT_LANGUAGE)["statement"]
    return Observation.model_validate(
        {
            "id": observation_id(item),
            "status": "final",
            "category": [codes.observation_category("procedure", "Procedure")],
            "code": {
                "coding": [
                    {
                        "system": codes.TREMOR_SYSTEM,
                        "code": MEASUREMENT_CODE[0],
                        "display": MEASUREMENT_CODE[1],
                    }
                ],
                "text": MEASUREMENT_CODE[1],
            },
            "subject": patient_reference(patient),
            "effectiveDateTime": item.created_at.isoformat(),
            "issued": item.created_at.isoformat(),
            "method": {"text": method},
            "component": components,
            "note": [{"text": statement}],
        }
    )


def tremor_resources(patient: User, request_user: User | None) -> list[Resource]:
    """Every tremor recording of ``patient`` as an Observation, oldest first."""
    return [
        tremor_observation(item, patient)
        for item in TremorRecording.objects.filter(patient=patient).order_by("created_at", "pk")
    ]
