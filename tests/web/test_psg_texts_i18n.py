"""An analysed sleep study's warnings and finding are stored as codes and params and worded
in the reader's language on the study page, the patient page and the visit report's PSG
section; studies analysed before keep their stored English text."""

from __future__ import annotations

import html
import logging
import warnings
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from quietlegs.signals import edf, hypnogram, plm
from quietlegs.web.accounts.models import User
from quietlegs.web.records import psg, psg_problems
from quietlegs.web.records.models import PSGStudy
from quietlegs.web.visitreports.sections import psg_sections
from tests.signals.synth import make_night, write_edf
from tests.web.webtools import login

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def psg_settings(settings: Any, tmp_path: Path) -> None:
    settings.QUIETLEGS_PSG_SYNC = True
    settings.DATA_DIR = tmp_path


def _page(clinician: User, url: str, lang: str) -> str:
    client = login(clinician)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = lang
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def _study_url(study: PSGStudy) -> str:
    return reverse("records:psg_study", args=[study.patient_id, study.pk])


#: One example of each warning's params, as the core stores them, and its wording in
#: English and Russian.
WARNING_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    ("record_count_unknown", {"records": 60, "seconds": 60.0},
     "The header does not give the number of data records (a recording that was not closed "
     "properly); the 60 complete records in the file (60 s) were read.",
     "Заголовок не указывает число блоков данных (запись не была правильно закрыта); "
     "прочитаны 60 полных блоков файла (60 с)."),
    ("extra_records", {"declared": 10, "declared_s": 10.0, "records": 12, "seconds": 12.0},
     "The header declares 10 data records (10 s) but the file holds 12 (12 s); the declared "
     "records were read and the rest ignored.",
     "Заголовок объявляет 10 блоков данных (10 с), а в файле их 12 (12 с); прочитаны "
     "объявленные блоки, остальные пропущены."),
    ("stray_bytes", {"bytes": 7}, "7 bytes after the last data record were ignored.",
     "Пропущены байты после последнего блока данных: 7."),
    ("duplicate_label", {"count": 2, "channel": "LAT"},
     "2 channels are labelled “LAT”; the first was used.",
     "Каналов с названием «LAT»: 2; использован первый."),
    ("several_candidates", {"side": "left", "channels": "LAT, Leg L", "channel": "LAT"},
     "Several channels look like the same leg (left leg): “LAT”, “Leg L”; “LAT” was used.",
     "Несколько каналов похожи на одну и ту же ногу (левая нога): «LAT», «Leg L»; использован "
     "«LAT»."),
    ("combined_leg_channel", {"channel": "Legs"},
     "One combined leg channel (“Legs”) holds both legs: it is scored as one leg (shown as "
     "the left leg), movements cannot be assigned to a side and a movement of both legs "
     "counts once.",
     "Один общий канал ног («Legs») содержит обе ноги: он оценивается как одна нога (показана "
     "как левая), движения нельзя отнести к стороне, а движение обеих ног считается один раз."),
    ("one_leg_only", {"channel": "LAT", "side": "left", "missing": "right"},
     "Only one leg channel (“LAT”, left leg). The other leg (right leg) was not recorded or "
     "not recognised: its movements are missed and movements of both legs cannot be "
     "combined.",
     "Только один канал ноги («LAT», левая нога). Другая нога (правая нога) не записана или "
     "не распознана: её движения пропущены, а движения обеих ног нельзя объединить."),
    ("low_sampling_rate", {"channels": "'LAT' and 'RAT'", "rate": 128.0, "recommended": 200.0},
     "“LAT”, “RAT” sampled at 128 Hz; WASM 2016 and the AASM ask for at least 200 Hz, so "
     "amplitudes and onsets are less precise.",
     "«LAT», «RAT»: частота дискретизации 128 Гц; WASM 2016 и AASM требуют не менее "
     "200 Гц, поэтому амплитуды и начала движений менее точны."),
    ("unknown_unit", {"channel": "LAT", "unit": "counts"},
     "Channel “LAT” has the physical dimension “counts”, not a known voltage unit (uV, µV, "
     "mV, V); its values were taken as µV.",
     "У канала «LAT» единица измерения «counts» — не известная единица напряжения (uV, мкВ, "
     "мВ, В); его значения приняты за мкВ."),
    ("flat_channel", {"channel": "RAT", "value": 0.5},
     "Channel “RAT” is flat (every sample is 0.5 µV): the electrode may be disconnected or "
     "the channel not recorded; no movement can be detected on it.",
     "Канал «RAT» плоский (каждый отсчёт равен 0,5 мкВ): электрод мог отсоединиться или "
     "канал не записывался; движения на нём обнаружить нельзя."),
    ("saturated_channel", {"channel": "LAT", "percent": 2.5, "low": -100.0, "high": 100.0},
     "Channel “LAT” is saturated: 2.5% of its samples sit at the limits of its range (-100 "
     "to 100 µV); movements there may be merged or missed and amplitudes are clipped.",
     "Канал «LAT» в насыщении: 2,5% его отсчётов лежат на границах диапазона (от -100 до "
     "100 мкВ); движения там могут сливаться или пропускаться, а амплитуды обрезаны."),
    ("no_timekeeping", {"records": 60},
     "The annotation signal has no readable timekeeping; its 60 data records gave no "
     "annotations.",
     "В сигнале аннотаций нет читаемых отметок времени; его блоки данных (60) не дали "
     "аннотаций."),
    ("no_start_time", {"date": "xx.yy.zz", "time": "23.59.58"},
     "The start date and time in the header (xx.yy.zz, 23.59.58) cannot be read: times are "
     "given from the start of the recording, without clock times.",
     "Дату и время начала в заголовке (xx.yy.zz, 23.59.58) прочитать нельзя: время указано "
     "от начала записи, без времени суток."),
    ("four_may_be_rem", {},
     "The numeric sleep stages reach 4 but never 5 and there is no R: stage 4 was read as N3 "
     "(R&K stage 4). If the file codes REM as 4, convert it to letters (W, N1, N2, N3, R).",
     "Числовые стадии сна доходят до 4, но не до 5, и стадии R нет: стадия 4 прочитана как "
     "N3 (стадия 4 по R&K). Если в файле 4 означает REM, замените коды буквами (W, N1, N2, "
     "N3, R)."),
    ("epoch_not_30s", {"seconds": 20.0, "count": 6},
     "6 sleep stages last 20 s (or another length that is not a whole number of 30-s "
     "epochs); they were resampled to 30-s epochs, each taking the stage at its midpoint.",
     "Стадии сна длительностью 20 с (или другой, не кратной 30-секундной эпохе): 6; они "
     "пересчитаны в 30-секундные эпохи, каждая из которых берёт стадию в своей середине."),
    ("epoch_not_30s", {"seconds": 20.5, "count": 2},
     "2 sleep stages last 20.5 s (or another length that is not a whole number of 30-s "
     "epochs); they were resampled to 30-s epochs, each taking the stage at its midpoint.",
     "Стадии сна длительностью 20,5 с (или другой, не кратной 30-секундной эпохе): 2; они "
     "пересчитаны в 30-секундные эпохи, каждая из которых берёт стадию в своей середине."),
    ("unscored_gaps", {"epochs": 4, "seconds": 120.0},
     "No sleep stage covers 4 of the recording's 30-s epochs (120 s); they count as "
     "unscored, neither sleep nor wake.",
     "30-секундные эпохи записи без стадии сна: 4 (120 с); они считаются неоценёнными — ни "
     "сон, ни бодрствование."),
    ("unknown_stage_labels", {"count": 3, "labels": "'Sleep stage 7', 'Stage Q'"},
     "3 annotations look like sleep stages but name none that is known ('Sleep stage 7', "
     "'Stage Q'); they were skipped.",
     "Аннотации, похожие на стадии сна, но не называющие известной стадии: 3 ('Sleep stage "
     "7', 'Stage Q'); они пропущены."),
    ("emg_flat", {},
     "A leg EMG channel is flat (constant): no leg movement can be detected on it.",
     "Канал ЭМГ ноги плоский (постоянный): движения ног на нём обнаружить нельзя."),
    ("non_finite_samples", {"count": 50, "percent": 0.2, "first_s": 1.5, "margin_s": 0.5},
     "A leg EMG channel has 50 missing or infinite samples (0.2% of the recording, the first "
     "at 1.5 s); they were treated as a flat signal and no leg movement is detected within "
     "0.5 s of them.",
     "В канале ЭМГ ноги есть пропущенные или бесконечные отсчёты: 50 (0,2% записи, первый на "
     "1,5 с); они приняты за плоский сигнал, и в пределах 0,5 с от них движения ног не "
     "обнаруживаются."),
    ("leg_missing", {"side": "right"},
     "No channel (right leg): movements of both legs cannot be recognised as bilateral.",
     "Нет канала (правая нога): движения обеих ног нельзя распознать как двусторонние."),
    ("no_hypnogram", {},
     "No hypnogram: the indices are per hour of recording (wake included), not per hour of "
     "sleep; PLMS and PLMW cannot be told apart.",
     "Нет гипнограммы: индексы рассчитаны на час записи (включая бодрствование), а не на час "
     "сна; ПДК во сне и в бодрствовании нельзя различить."),
    ("short_time", {"hours": 2.5, "basis": "sleep", "min_hours": 4.0},
     "Only 2.5 h of sleep (less than 4 h): the indices are rates over a short time and may "
     "not represent a whole night.",
     "Всего 2,5 ч сна (меньше 4 ч): индексы — частоты за короткое время и могут не отражать "
     "всю ночь."),
    ("short_time", {"hours": 1.0, "basis": "recording", "min_hours": 4.0},
     "Only 1 h of recording (less than 4 h): the indices are rates over a short time and may "
     "not represent a whole night.",
     "Всего 1 ч записи (меньше 4 ч): индексы — частоты за короткое время и могут не отражать "
     "всю ночь."),
    ("no_sleep", {}, "The hypnogram has no sleep: no PLMS index.",
     "В гипнограмме нет сна: индекса ПДКС нет."),
]  # fmt: skip


def test_every_warning_code_of_the_core_has_a_case_here() -> None:
    assert {case[0] for case in WARNING_CASES} == (
        edf.WARNING_CODES | hypnogram.WARNING_CODES | plm.WARNING_CODES
    )


@pytest.mark.parametrize(("code", "params", "english", "russian"), WARNING_CASES)
def test_each_warning_is_worded_in_english_and_russian(
    code: str, params: dict[str, Any], english: str, russian: str
) -> None:
    with translation.override("en"):
        assert psg_problems.word_warning(code, params) == english
    with translation.override("ru"):
        assert psg_problems.word_warning(code, params) == russian


def test_a_warning_without_a_wording_or_with_wrong_params_is_none() -> None:
    assert psg_problems.word_warning("other", {}) is None
    assert psg_problems.word_warning("stray_bytes", {"count": 3}) is None


CAVEAT_EN = (
    "PLMD is a clinical diagnosis that also needs clinical sleep disturbance or impairment "
    "not better explained by another disorder (ICSD-3): this is a measurement (WASM/IRLSSG "
    "2016 rules), not a diagnosis."
)
CAVEAT_RU = (
    "Расстройство периодических движений конечностей (PLMD) — клинический диагноз, для "
    "которого нужны также клинически значимые нарушения сна или функционирования, которые "
    "лучше не объясняются другим расстройством (ICSD-3): это измерение (правила WASM/IRLSSG "
    "2016), а не диагноз."
)


@pytest.mark.parametrize(
    ("index", "age", "english", "russian"),
    [
        (22.5, 40.0,
         "PLMS index 22.5/h: above the ICSD-3 threshold of 15/h for adults.",
         "Индекс ПДКС 22,5/ч: выше порога ICSD-3 15/ч для взрослых."),
        (10.0, 40.0,
         "PLMS index 10.0/h: not above the ICSD-3 threshold of 15/h for adults.",
         "Индекс ПДКС 10,0/ч: не выше порога ICSD-3 15/ч для взрослых."),
        (10.0, 8.0,
         "PLMS index 10.0/h: above the ICSD-3 threshold of 5/h for children.",
         "Индекс ПДКС 10,0/ч: выше порога ICSD-3 5/ч для детей."),
        (4.0, 8.0,
         "PLMS index 4.0/h: not above the ICSD-3 threshold of 5/h for children.",
         "Индекс ПДКС 4,0/ч: не выше порога ICSD-3 5/ч для детей."),
        (22.5, None,
         "PLMS index 22.5/h: above the ICSD-3 threshold of 15/h for adults (and of 5/h for "
         "children).",
         "Индекс ПДКС 22,5/ч: выше порога ICSD-3 15/ч для взрослых (и порога 5/ч для детей)."),
        (10.0, None,
         "PLMS index 10.0/h: above the ICSD-3 threshold of 5/h for children, not above the "
         "threshold of 15/h for adults.",
         "Индекс ПДКС 10,0/ч: выше порога ICSD-3 5/ч для детей, но не выше порога 15/ч для "
         "взрослых."),
        (4.0, None,
         "PLMS index 4.0/h: not above the ICSD-3 thresholds (15/h for adults, 5/h for "
         "children).",
         "Индекс ПДКС 4,0/ч: не выше порогов ICSD-3 (15/ч для взрослых, 5/ч для детей)."),
    ],
)  # fmt: skip
def test_the_finding_from_the_core_is_worded_in_both_languages(
    index: float, age: float | None, english: str, russian: str
) -> None:
    _text, code, params = plm._finding(index, "sleep", age, "wasm2016")
    with translation.override("en"):
        assert psg_problems.word_finding(code, params) == f"{english} {CAVEAT_EN}"
    with translation.override("ru"):
        assert psg_problems.word_finding(code, params) == f"{russian} {CAVEAT_RU}"


def test_a_finding_without_a_hypnogram_and_without_an_index() -> None:
    _text, code, params = plm._finding(30.0, "recording", 50.0, "aasm")
    with translation.override("ru"):
        assert psg_problems.word_finding(code, params) == (
            "Индекс ПДК на час записи (без гипнограммы) 30,0/ч: выше порога ICSD-3 15/ч для "
            "взрослых. " + CAVEAT_RU.replace("WASM/IRLSSG 2016", "AASM")
            + " Без гипнограммы порог ICSD-3, определённый на час сна, применим лишь "
            "приблизительно."
        )  # fmt: skip
    _text, code, params = plm._finding(None, "sleep", None, "wasm2016")
    with translation.override("ru"):
        assert psg_problems.word_finding(code, params) == (
            "Индекс ПДКС рассчитать нельзя (в гипнограмме нет времени сна)."
        )
    assert psg_problems.word_finding("no_such_code", {}) is None


def test_an_analysed_study_stores_codes_and_the_pages_word_them_in_russian(
    clinician: User, patient: User, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = tmp_path / "source.edf"
    write_edf(source, make_night(60, 128.0, seed=3), labels=("LAT", "C3"), annotations=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the reader's warnings are stored and logged, not issued
        with caplog.at_level(logging.INFO, logger="quietlegs"):
            response = login(clinician).post(
                reverse("records:upload_psg", args=[patient.pk]),
                {
                    "psg-file": SimpleUploadedFile("one.edf", source.read_bytes()),
                    "psg-rules": "wasm2016",
                },
            )
    assert response.status_code == 302
    logged = [
        r.getMessage()
        for r in caplog.records
        if r.name == "quietlegs.web.psg" and r.levelno == logging.INFO
    ]
    assert len(logged) == 2  # one leg only, low sampling rate: the reader's SignalWarnings
    assert logged[0].startswith(
        f"PSG study {PSGStudy.objects.get().pk}: one.edf: only one leg channel ('LAT', left); "
    )
    assert logged[1].startswith(
        f"PSG study {PSGStudy.objects.get().pk}: one.edf: LAT sampled at 128 Hz; "
    )
    study = PSGStudy.objects.get(original_name="one.edf")
    assert study.status == PSGStudy.Status.DONE
    assert all(study.stored_path not in text for text in logged)  # the user's file name
    codes = [d["code"] for d in study.warning_details]
    assert codes == ["one_leg_only", "low_sampling_rate", "leg_missing", "no_hypnogram",
                     "short_time"]  # fmt: skip
    assert study.result is not None
    assert len(study.result["warnings"]) == 5
    assert study.result["warnings"][0].startswith("only one leg channel ('LAT', left)")
    assert "warning_details" not in study.result
    assert study.finding_code in plm.FINDING_CODES
    assert study.finding_params["basis"] == "recording"
    russian = _page(clinician, _study_url(study), "ru")
    assert "Другая нога (правая нога) не записана или не распознана" in russian
    assert "«LAT»: частота дискретизации 128 Гц" in russian
    assert "Индекс ПДК на час записи (без гипнограммы)" in russian
    assert "the other leg" not in russian.lower()
    assert "sampled at" not in russian
    english = _page(clinician, _study_url(study), "en")
    assert "The other leg (right leg) was not recorded or not recognised" in english
    patient_page = _page(clinician, reverse("records:patient", args=[patient.pk]), "ru")
    assert "Индекс ПДК на час записи (без гипнограммы)" in patient_page
    section = psg_sections(patient)[0].to_dict()
    texts = [p["ru"] for p in section["paragraphs"]]
    assert any(t.startswith("Индекс ПДК на час записи (без гипнограммы)") for t in texts)
    assert "Предупреждение: Нет гипнограммы: индексы рассчитаны на час записи" in " ".join(texts)
    english_texts = [p["en"] for p in section["paragraphs"]]
    assert "Warning: No hypnogram: the indices are per hour of recording" in " ".join(english_texts)


def test_a_study_analysed_before_the_codes_keeps_its_english_text(
    clinician: User, patient: User
) -> None:
    study = PSGStudy.objects.create(
        patient=patient,
        uploaded_by=clinician,
        original_name="old.edf",
        stored_path="/nonexistent.edf",
        size_bytes=1,
        status=PSGStudy.Status.DONE,
        result={
            "index_basis": "sleep",
            "plms_index": 22.5,
            "warnings": ["only 2.5 h of sleep (less than 4 h): the indices are rates"],
            "finding": "PLMS index 22.5/h is above the ICSD-3 threshold of 15/h for adults",
        },
    )
    assert (study.warning_details, study.finding_code) == ([], "")
    russian = _page(clinician, _study_url(study), "ru")
    assert "only 2.5 h of sleep (less than 4 h): the indices are rates" in russian
    assert "PLMS index 22.5/h is above the ICSD-3 threshold of 15/h for adults" in russian
    patient_page = _page(clinician, reverse("records:patient", args=[patient.pk]), "ru")
    assert "PLMS index 22.5/h is above the ICSD-3 threshold of 15/h for adults" in patient_page
    paragraphs = psg_sections(patient)[0].to_dict()["paragraphs"]
    assert {
        "en": "PLMS index 22.5/h is above the ICSD-3 threshold of 15/h for adults",
        "ru": "PLMS index 22.5/h is above the ICSD-3 threshold of 15/h for adults",
    } in paragraphs
    assert {
        "en": "Warning: only 2.5 h of sleep (less than 4 h): the indices are rates",
        "ru": "Предупреждение: only 2.5 h of sleep (less than 4 h): the indices are rates",
    } in paragraphs


def test_only_signal_warnings_are_kept_back_others_are_issued_again(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn(
            "/data/x.edf: 3 bytes after the last data record", edf.SignalWarning, stacklevel=1
        )
        warnings.warn("overflow in exp", RuntimeWarning, stacklevel=1)
    with (
        caplog.at_level(logging.INFO, logger="quietlegs"),
        pytest.warns(RuntimeWarning, match="overflow in exp") as issued,
    ):
        psg._log_signal_warnings(7, caught, "/data/x.edf", "night.edf")
    assert [w.category for w in issued] == [RuntimeWarning]
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.INFO, "PSG study 7: night.edf: 3 bytes after the last data record")
    ]
