"""The ``quietlegs`` command line: a thin shell over the core packages.

Every error quietlegs raises on purpose (bad answers, a broken knowledge
base, a missing file) is printed as a message and exits with status 2,
never with a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TextIO

import typer
from rich.console import Console
from rich.markup import escape

from quietlegs import __version__
from quietlegs._errors import QuietlegsError

# The knowledge base and the assessment (their schema models, YAML loading) are imported
# inside the commands that use them, and quietlegs.signals (numpy, scipy, matplotlib,
# dask) inside the signal commands, so each command loads only what it needs:
# ``quietlegs plm`` and ``quietlegs --version`` start without the knowledge base,
# ``questions``/``assess``/``kb check`` without numpy or scipy.
if TYPE_CHECKING:
    from rich.progress import Progress

    from quietlegs.knowledge import KnowledgeBase
    from quietlegs.knowledge.schema import Question

app = typer.Typer(
    help="quietlegs: leg weakness, restless legs, periodic limb movements and tremor.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
kb_app = typer.Typer(help="Work with the clinical knowledge base.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")

out = Console()
err = Console(stderr=True, soft_wrap=True)

EXIT_BAD_INPUT = 2

FormatOpt = Annotated[str, typer.Option("--format", "-f", help="Output format: json or text.")]
LangOpt = Annotated[str, typer.Option("--lang", "-l", help="Language: en or ru.")]
KbOpt = Annotated[
    Path | None,
    typer.Option("--kb", help="Knowledge base folder (default: the one shipped with quietlegs)."),
]


def _stdin_is_tty() -> bool:
    return sys.stdin.isatty()


def _fail(message: str) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        _fail(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


def _languages() -> tuple[str, ...]:
    from quietlegs.assessment import LANGUAGES

    return LANGUAGES


def _load(kb_dir: Path | None) -> KnowledgeBase:
    from quietlegs.knowledge import load_knowledge_base

    try:
        return load_knowledge_base(kb_dir)
    except QuietlegsError as exc:
        _fail(str(exc))


def _question_dict(q: Question, lang: str) -> dict[str, Any]:
    return {
        "id": q.id,
        "section": q.section,
        "text": q.text.get(lang),
        "type": q.type,
        "choices": [
            {"id": c.id, "text": c.text.get(lang), "exclusive": c.exclusive} for c in q.choices
        ],
        "range": (
            {
                "min": q.range.min,
                "max": q.range.max,
                "integer": q.range.integer,
                "unit": q.range.unit.get(lang) if q.range.unit else None,
            }
            if q.range
            else None
        ),
        "audience": q.audience,
        "core": q.core,
    }


@app.command()
def questions(
    fmt: FormatOpt = "json",
    lang: LangOpt = "en",
    kb_dir: KbOpt = None,
) -> None:
    """List every question of the knowledge base."""
    _check_choice("--format", fmt, ("json", "text"))
    _check_choice("--lang", lang, _languages())
    kb = _load(kb_dir)
    items = [_question_dict(q, lang) for q in kb.questions.values()]
    if fmt == "json":
        sys.stdout.write(
            json.dumps(
                {"knowledge_version": kb.version, "questions": items}, ensure_ascii=False, indent=2
            )
            + "\n"
        )
        return
    for item in items:
        out.print(
            f"[bold]{item['id']}[/] ({item['type']}, {item['section']}): {item['text']}",
            highlight=False,
        )
        for choice in item["choices"]:
            out.print(f"    - {choice['id']}: {choice['text']}", highlight=False)
        if item["range"]:
            rng = item["range"]
            out.print(
                f"    range {rng['min']:g}–{rng['max']:g} {rng['unit'] or ''}", highlight=False
            )


def _read_answers(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        _fail(f"answers file {str(path)!r} does not exist")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"cannot read answers file {str(path)!r}: {exc}")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        _fail(
            f"answers file {str(path)!r} is not valid JSON: {exc.msg} "
            f"at line {exc.lineno}, column {exc.colno}"
        )
    if (
        not isinstance(data, dict)
        or set(data) != {"answers"}
        or not isinstance(data.get("answers"), dict)
    ):
        _fail(
            f"answers file {str(path)!r} must be a JSON object "
            '{"answers": {"question_id": value, ...}}; '
            f"got {type(data).__name__} with keys {sorted(data) if isinstance(data, dict) else []}"
        )
    answers: dict[str, Any] = data["answers"]
    return answers


_HINTS = {
    "en": {
        "yes_no": "y/n",
        "choice": "number",
        "multi_choice": "numbers separated by commas",
        "number": "{min:g}–{max:g}",
        "time_of_day": "HH:MM",
        "skip": "Enter to skip",
        "invalid": "please answer as shown",
    },
    "ru": {
        "yes_no": "д/н",
        "choice": "номер",
        "multi_choice": "номера через запятую",
        "number": "{min:g}–{max:g}",
        "time_of_day": "ЧЧ:ММ",
        "skip": "Enter — пропустить",
        "invalid": "ответьте, как показано",
    },
}

#: Returned by :func:`_ask` when the person skips a question ("I don't know").
SKIP = object()


def _ask(q: Question, lang: str) -> Any:
    """Ask one question in the terminal until the answer is valid (or skipped).

    Questions of the red-flag screen cannot be skipped.
    """
    from quietlegs.assessment.answers import normalize_answer

    hints = _HINTS[lang]
    out.print()
    out.print(f"[bold]{escape(q.text.get(lang))}[/]", highlight=False)
    if q.help:
        out.print(escape(q.help.get(lang)), style="dim", highlight=False)
    for i, choice in enumerate(q.choices, start=1):
        out.print(f"  {i}. {escape(choice.text.get(lang))}", highlight=False)
    hint = hints[q.type]
    if q.range is not None:
        hint = hint.format(min=q.range.min, max=q.range.max)
    skippable = q.section != "red_flags"
    if skippable:
        hint += f"; {hints['skip']}"
    while True:
        raw = typer.prompt(f"[{hint}]", default="", show_default=False, prompt_suffix=" ").strip()
        if not raw and skippable:
            return SKIP
        try:
            value: Any
            if q.type == "choice":
                value = q.choices[int(raw) - 1].id
            elif q.type == "multi_choice":
                value = [q.choices[int(p) - 1].id for p in raw.replace(" ", "").split(",") if p]
            elif q.type == "number":
                value = float(raw)
            else:
                value = raw
            normalize_answer(q, value)
        except (ValueError, IndexError) as exc:
            message = str(exc) if str(exc) and not isinstance(exc, IndexError) else hints["invalid"]
            err.print(f"[red]{escape(message)}[/]", highlight=False)
            continue
        return value


@app.command("assess")
def assess_command(
    answers_file: Annotated[
        Path | None,
        typer.Option(
            "--answers", "-a", help='JSON file {"answers": {...}}; omit to be interviewed.'
        ),
    ] = None,
    fmt: FormatOpt = "text",
    lang: LangOpt = "en",
    kb_dir: KbOpt = None,
) -> None:
    """Assess answers from a file, or run the interview in the terminal."""
    from quietlegs.assessment import Interview, assess
    from quietlegs.assessment.render import render_text

    _check_choice("--format", fmt, ("json", "text"))
    _check_choice("--lang", lang, _languages())
    kb = _load(kb_dir)
    if answers_file is not None:
        answers = _read_answers(answers_file)
    else:
        if not _stdin_is_tty():
            _fail("no terminal to run the interview in; give the answers with --answers FILE.json")
        interview = Interview(kb)
        answers = {}
        skipped: list[str] = []
        while (question := interview.next_question(answers, skipped)) is not None:
            value = _ask(question, lang)
            if value is SKIP:
                skipped.append(question.id)
            else:
                answers[question.id] = value
    try:
        report = assess(kb, answers, lang)
    except QuietlegsError as exc:
        _fail(str(exc))
    if fmt == "json":
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        render_text(report, out)


@kb_app.command("check")
def kb_check(kb_dir: KbOpt = None) -> None:
    """Validate the knowledge base; list every problem with its file and line."""
    from quietlegs.knowledge import load_knowledge_base

    try:
        kb = load_knowledge_base(kb_dir, cache=False)
    except QuietlegsError as exc:
        _fail(str(exc))
    counts = ", ".join(
        f"{len(items)} {name}"
        for name, items in (
            ("questions", kb.questions),
            ("conditions", kb.conditions),
            ("red flags", kb.red_flags),
            ("tests", kb.tests),
            ("referrals", kb.referrals),
            ("treatments", kb.treatments),
            ("advice items", kb.advice),
            ("secondary causes", kb.secondary_causes),
            ("references", kb.references),
        )
    )
    for warning in kb.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
    out.print(f"knowledge base {kb.version} is valid: {counts}", highlight=False, soft_wrap=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    demo: Annotated[bool, typer.Option(help="Load demo data into an empty database.")] = True,
) -> None:
    """Run the clinic web app: migrate, load demo data on the first run, and serve."""
    from quietlegs.web import server

    url_host = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    # Links in e-mails (waitlist offers, cancel links, diary reminders) point at this server
    # unless the clinic set its public address (a --port other than 8000 gave dead links).
    os.environ.setdefault("QUIETLEGS_SITE_URL", f"http://{url_host}:{port}")
    logins = server.prepare(demo=demo)
    out.print(f"quietlegs web app on [bold]http://{url_host}:{port}/[/]", highlight=False)
    if logins:
        out.print("Demo logins (role, e-mail, password):", highlight=False)
        for role, email, password in logins:
            out.print(f"  {role:<13} {email:<34} {password}", highlight=False)
    server.serve(host, port)


@app.command()
def worker(
    beat: Annotated[
        bool, typer.Option(help="Also run the scheduler (Celery beat) in this process.")
    ] = True,
    once: Annotated[
        bool,
        typer.Option(
            help="Send the due reminders and pass on expired waitlist offers now, then exit "
            "(no broker needed)."
        ),
    ] = False,
    loglevel: Annotated[str, typer.Option(help="Log level: debug, info, warning.")] = "info",
) -> None:
    """Run the background worker: appointment reminders and other periodic jobs.

    Celery with the Redis broker (QUIETLEGS_BROKER_URL, else REDIS_URL, else
    redis://127.0.0.1:6379/0). The web app does not need it to serve pages.
    """
    _check_choice("--loglevel", loglevel, ("debug", "info", "warning", "error"))
    from quietlegs.web import server

    server.setup_django()
    if once:
        from quietlegs.web.scheduling.reminders import send_due_reminders
        from quietlegs.web.scheduling.services import expire_waitlist_offers

        out.print(f"sent {send_due_reminders()} reminder(s)", highlight=False)
        out.print(
            f"{expire_waitlist_offers()} waitlist offer(s) expired and passed on", highlight=False
        )
        return
    from quietlegs.web.worker import app as celery_app

    argv = ["worker", "--loglevel", loglevel, "--concurrency", "1"]
    if beat:
        argv.append("--beat")
    celery_app.worker_main(argv)


# --------------------------------------------------------------------------- signals
# quietlegs.signals (numpy, matplotlib, dask) is imported inside the commands, so the
# other commands start as fast as before.

PLM_FORMATS = ("json", "csv", "text")


def _warn(message: str) -> None:
    err.print(f"[yellow]warning:[/] {escape(message)}", highlight=False, soft_wrap=True)


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """``warnings.showwarning`` for the commands: the message only, as ``warning: ...``."""
    _warn(str(message))


def _progress(*, counts: bool = False) -> Progress:
    """A progress display on stderr (nothing is drawn when stderr is not a terminal)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns: list[ProgressColumn] = [SpinnerColumn(), TextColumn("{task.description}")]
    if counts:
        columns += [BarColumn(), MofNCompleteColumn()]
    columns.append(TimeElapsedColumn())
    return Progress(*columns, console=err, transient=True, disable=not err.is_terminal)


@app.command("plm")
def plm_command(
    recording_path: Annotated[
        Path, typer.Argument(metavar="RECORDING.edf", help="The polysomnography (EDF or EDF+).")
    ],
    left: Annotated[
        str | None,
        typer.Option("--left", help="Label of the left leg EMG channel (default: found by label)."),
    ] = None,
    right: Annotated[
        str | None,
        typer.Option(
            "--right", help="Label of the right leg EMG channel (default: found by label)."
        ),
    ] = None,
    hypnogram_file: Annotated[
        Path | None,
        typer.Option(
            "--hypnogram",
            help="Sleep stages (CSV or one stage per epoch); default: the EDF+ annotations.",
        ),
    ] = None,
    rules: Annotated[str, typer.Option("--rules", help="Scoring rules: wasm2016 or aasm.")] = (
        "wasm2016"
    ),
    age: Annotated[
        float | None,
        typer.Option("--age", help="Age in years (the PLMS threshold differs for children)."),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="Output: text, json, or csv (the events).")
    ] = "text",
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Also write <stem>.json, .csv, .annotated.edf, .png and .html to this folder.",
        ),
    ] = None,
) -> None:
    """Leg movements and periodic limb movements (PLMS) of one recording."""
    import warnings

    from quietlegs.signals import edf, hypnogram, outputs, plm

    _check_choice("--format", fmt, PLM_FORMATS)
    _check_choice("--rules", rules, plm.RULES)
    if age is not None and not 0 <= age <= 130:
        _fail(f"--age must be between 0 and 130 years; got {age:g}")
    if not recording_path.is_file():
        _fail(f"recording {str(recording_path)!r} does not exist")
    if hypnogram_file is not None and not hypnogram_file.is_file():
        _fail(f"hypnogram {str(hypnogram_file)!r} does not exist")
    notes: list[str] = []
    try:
        with warnings.catch_warnings(record=True) as caught, _progress() as bar:
            warnings.simplefilter("always")
            task = bar.add_task(f"reading {recording_path.name}", total=None)
            recording = edf.read_leg_recording(recording_path, left=left, right=right)
            stages = None
            if hypnogram_file is not None:
                bar.update(task, description=f"reading {hypnogram_file.name}")
                stages = hypnogram.read_hypnogram(hypnogram_file, recording.duration_s)
            bar.update(task, description="detecting and scoring leg movements")
            result = plm.analyze(recording, hypnogram=stages, rules=rules, age_years=age)
            if out_dir is not None:
                current = [""]

                def step(name: str) -> None:
                    current[0] = name
                    bar.update(task, description=f"writing {name}")

                def copied(done: float) -> None:
                    bar.update(task, description=f"writing {current[0]} {done:.0%}")

                written = outputs.write_all(
                    recording, result, out_dir, hypnogram=stages, step=step, progress=copied
                )
            text = {
                "json": lambda: outputs.result_to_json(result, recording=recording),
                "csv": lambda: outputs.format_events_csv(result),
                "text": lambda: outputs.format_text(result),
            }[fmt]()
        notes = [*recording.warnings, *(str(w.message) for w in caught)]
    except QuietlegsError as exc:
        _fail(str(exc))
    shown = set(result.warnings) if fmt == "text" else set()
    for note in dict.fromkeys([*notes, *result.warnings]):
        if note not in shown:
            _warn(note)
    sys.stdout.write(text)
    if out_dir is not None:
        for path in written.values():
            err.print(f"wrote {escape(str(path))}", highlight=False, soft_wrap=True)


TREMOR_FORMATS = ("json", "text")


@app.command("tremor")
def tremor_command(
    recording_path: Annotated[
        Path,
        typer.Argument(
            metavar="FILE.csv",
            help="Accelerometer or gyroscope CSV (phyphox, Sensor Logger, Physics Toolbox, "
            "or time,x,y,z).",
        ),
    ],
    task: Annotated[
        str,
        typer.Option("--task", help="What the limb did: rest, posture, action or standing (legs)."),
    ] = "posture",
    fmt: Annotated[str, typer.Option("--format", "-f", help="Output: text or json.")] = "text",
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help="Also write a PNG of the signal and its spectrum here."),
    ] = None,
    sensor: Annotated[
        str | None,
        typer.Option(
            "--sensor",
            help="accelerometer or gyroscope, when the file holds both or does not say.",
        ),
    ] = None,
    unit: Annotated[
        str | None,
        typer.Option(
            "--unit",
            help="Unit of the values when the file does not state it: m/s2, g, "
            "rad/s or deg/s (default: detected).",
        ),
    ] = None,
    lang: LangOpt = "en",
) -> None:
    """Tremor of one phone or watch recording: frequency, amplitude, regularity, band.

    A measurement, not a diagnosis: the output says what the frequency band means, when
    to see a doctor and when to call emergency services.
    """
    import warnings

    from quietlegs.signals import tremor

    _check_choice("--task", task, tremor.TASKS)
    _check_choice("--format", fmt, TREMOR_FORMATS)
    _check_choice("--lang", lang, tremor.LANGUAGES)
    if sensor is not None:
        _check_choice("--sensor", sensor, ("accelerometer", "gyroscope"))
    if unit is not None:
        _check_choice("--unit", unit, ("m/s2", "m/s^2", "m/s²", "g", "rad/s", "deg/s"))
    if not recording_path.is_file():
        _fail(f"recording {str(recording_path)!r} does not exist")
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            recording = tremor.read_recording(recording_path, sensor=sensor, unit=unit)
            result = tremor.analyze(recording, task)
            if plot is not None:
                try:
                    tremor.plot_png(result, plot, lang=lang)
                except OSError as exc:
                    _fail(f"cannot write the figure {str(plot)!r}: {exc.strerror}")
    except QuietlegsError as exc:
        _fail(str(exc))
    except ValueError as exc:  # a unit that does not fit the sensor
        _fail(str(exc))
    # The text output lists the result's warnings itself; JSON carries them and stderr says so.
    shown = set(result.warnings) if fmt == "text" else set()
    for note in dict.fromkeys([*(str(w.message) for w in caught), *result.warnings]):
        if note not in shown:
            _warn(note)
    if fmt == "json":
        from quietlegs.assessment.measurements import tremor_answers

        data = result.to_dict()
        data["screening"].update(tremor.screening_texts(data["screening"], lang))
        data["answers"] = tremor_answers(data)
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(tremor.format_text(result, lang))
    if plot is not None:
        err.print(f"wrote {escape(str(plot))}", highlight=False, soft_wrap=True)


@app.command("plm-batch")
def plm_batch_command(
    source: Annotated[
        str,
        typer.Argument(
            metavar="DIR_OR_GLOB",
            help="A folder (every .edf in it and below) or a quoted glob ('/data/**/*.edf').",
        ),
    ],
    out_path: Annotated[
        Path,
        typer.Option(
            "--out", help="Results table (Parquet), one row per recording; updated if it exists."
        ),
    ],
    rules: Annotated[str, typer.Option("--rules", help="Scoring rules: wasm2016 or aasm.")] = (
        "wasm2016"
    ),
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Address of a running Dask scheduler (tcp://host:8786); default: a local cluster.",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", help="Local cluster: number of workers (default: CPU cores)."),
    ] = None,
    threads: Annotated[
        bool,
        typer.Option("--threads", help="Local cluster: workers as threads of this process."),
    ] = False,
) -> None:
    """Score many recordings in parallel on Dask; resumable (done recordings are skipped).

    Exit status: 0 when every recording was scored, 1 when some failed (their
    rows say why), 2 on bad input.
    """
    import warnings

    from quietlegs.signals import cohort, plm

    _check_choice("--rules", rules, plm.RULES)
    if workers is not None and workers < 1:
        _fail(f"--workers must be at least 1; got {workers}")
    if scheduler is not None and (workers is not None or threads):
        _fail("--workers and --threads set up a local cluster; they cannot go with --scheduler")
    shown_by_python = warnings.showwarning
    warnings.showwarning = _show_warning
    with _progress(counts=True) as bar:
        task = bar.add_task("finding recordings, starting the workers", total=None)

        def advance(done: int, total: int, row: dict[str, Any]) -> None:
            name = Path(row["path"]).name
            bar.update(task, description=f"scored {name}", completed=done, total=total)
            if row["status"] != "ok":
                bar.console.print(
                    f"[red]failed:[/] {escape(row['path'])}: {escape(str(row['error']))}",
                    highlight=False,
                    soft_wrap=True,
                )

        try:
            summary = cohort.run_batch(
                source,
                out_path,
                rules=rules,
                scheduler=scheduler,
                workers=workers,
                processes=not threads,
                progress=advance,
            )
        except QuietlegsError as exc:
            bar.stop()
            _fail(str(exc))
        finally:
            warnings.showwarning = shown_by_python
    plural = "s" if summary.total != 1 else ""
    out.print(
        f"{summary.total} recording{plural}: {summary.ok} scored, {summary.failed} failed, "
        f"{summary.skipped} already done; results in {summary.out_path}, "
        f"events in {summary.events_path}",
        highlight=False,
        soft_wrap=True,
    )
    if summary.failed:
        raise typer.Exit(1)


def _version_callback(value: bool) -> None:
    if value:
        out.print(f"quietlegs {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version_callback, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """quietlegs command line."""


def main() -> None:
    """Entry point of the ``quietlegs`` script."""
    app()


if __name__ == "__main__":  # ``python -m quietlegs.cli ...``, as the installed script
    main()
