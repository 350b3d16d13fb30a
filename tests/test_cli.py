from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from quietlegs import cli
from tests.conftest import TOY

runner = CliRunner()


def invoke(*args: str, input: str | None = None) -> Result:
    return runner.invoke(cli.app, list(args), input=input)


@pytest.fixture
def toy_dir(make_kb: Callable[..., Path]) -> Path:
    return make_kb(toy=TOY)


def write_answers(tmp_path: Path, payload: object) -> Path:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def test_questions_json_lists_every_question(toy_dir: Path) -> None:
    result = invoke("questions", "--format", "json", "--kb", str(toy_dir))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    ids = [q["id"] for q in data["questions"]]
    assert ids == ["alarm", "symptoms", "strong", "irrelevant", "score", "onset", "lab"]
    score = data["questions"][4]
    assert score["type"] == "number"
    assert score["range"]["min"] == 0
    assert score["range"]["max"] == 10
    assert data["questions"][1]["choices"][2] == {"id": "none", "text": "None", "exclusive": True}


def test_questions_in_russian(toy_dir: Path) -> None:
    result = invoke("questions", "--lang", "ru", "--kb", str(toy_dir))
    assert json.loads(result.stdout)["questions"][0]["text"] == "Тревога?"


def test_assess_json(toy_dir: Path, tmp_path: Path) -> None:
    path = write_answers(tmp_path, {"answers": {"alarm": True, "symptoms": ["itch"]}})
    result = invoke("assess", "--answers", str(path), "--format", "json", "--kb", str(toy_dir))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["urgency"] == "emergency"
    assert report["red_flags"][0]["id"] == "alarm_raised"
    assert report["conditions"][0]["id"] == "danger"


def test_assess_text_puts_urgency_first(toy_dir: Path, tmp_path: Path) -> None:
    path = write_answers(tmp_path, {"answers": {"alarm": True}})
    result = invoke("assess", "-a", str(path), "--kb", str(toy_dir))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.index("Emergency") < out.index("Call now.") < out.index("Not a diagnosis.")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", r"is not valid JSON: Expecting property name"),
        ("[1, 2]", r"must be a JSON object \{\"answers\""),
        ('{"answers": 3}', r"must be a JSON object"),
        ('{"answers": {}, "extra": 1}', r"with keys \['answers', 'extra'\]"),
        ('{"answers": {"alarm": "perhaps", "ghost": 1}}', r"2 problems with the answers"),
    ],
)
def test_bad_answer_files_exit_2_without_traceback(
    toy_dir: Path, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "a.json"
    path.write_text(content, encoding="utf-8")
    result = invoke("assess", "--answers", str(path), "--kb", str(toy_dir))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert pytest.importorskip("re").search(message, result.output.replace("\n", " "))


def test_missing_answers_file(toy_dir: Path, tmp_path: Path) -> None:
    result = invoke("assess", "--answers", str(tmp_path / "none.json"), "--kb", str(toy_dir))
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_bad_option_values(toy_dir: Path) -> None:
    result = invoke("questions", "--format", "xml", "--kb", str(toy_dir))
    assert result.exit_code == 2
    assert "--format must be one of json, text; got 'xml'" in result.output
    result = invoke("questions", "--lang", "de", "--kb", str(toy_dir))
    assert result.exit_code == 2
    assert "--lang must be one of en, ru; got 'de'" in result.output


def test_interview_needs_a_terminal(toy_dir: Path) -> None:
    result = invoke("assess", "--kb", str(toy_dir))
    assert result.exit_code == 2
    assert "give the answers with --answers FILE.json" in result.output


def test_interview_in_the_terminal(toy_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_stdin_is_tty", lambda: True)
    # alarm: '' (the red-flag screen cannot be skipped), then n; symptoms: '9' is out of
    # range, then 1 (itch); strong: y
    result = invoke("assess", "--kb", str(toy_dir), "--format", "json", input="\nn\n9\n1\ny\n")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout[result.stdout.index("{\n") :])
    assert report["conditions"][0]["id"] == "itchy"
    assert report["conditions"][0]["likelihood"] == "likely"


def test_kb_check_reports_problems_with_lines(make_kb: Callable[..., Path]) -> None:
    folder = make_kb(
        toy=TOY.replace("references: [ref_a]\n  - id: achy", "references: [ghost]\n  - id: achy")
    )
    result = invoke("kb", "check", "--kb", str(folder))
    assert result.exit_code == 2
    assert "toy.yaml:" in result.output
    assert "unknown reference 'ghost'" in result.output


def test_kb_check_ok(toy_dir: Path) -> None:
    result = invoke("kb", "check", "--kb", str(toy_dir))
    assert result.exit_code == 0
    assert "is valid: 7 questions, 3 conditions, 1 red flags" in result.output


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("quietlegs ")


def test_interview_questions_can_be_skipped(toy_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_stdin_is_tty", lambda: True)
    # alarm: n; symptoms: itch; strong: skipped -> the prior alone, 'possible'
    result = invoke("assess", "--kb", str(toy_dir), "--format", "json", input="n\n1\n\n")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout[result.stdout.index("{\n") :])
    assert report["conditions"][0]["id"] == "itchy"
    assert report["conditions"][0]["likelihood"] == "possible"


def test_interview_in_russian(toy_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_stdin_is_tty", lambda: True)
    result = invoke("assess", "--kb", str(toy_dir), "--lang", "ru", input="да\n3\n")
    assert result.exit_code == 0, result.output
    assert "Тревога?" in result.stdout
    assert "Экстренно" in result.stdout


@pytest.mark.parametrize(
    ("preset", "expected"),
    [(None, "http://localhost:8765"), ("https://legs.example.org", "https://legs.example.org")],
)
def test_serve_points_e_mailed_links_at_its_own_port_unless_the_site_url_is_set(
    monkeypatch: pytest.MonkeyPatch, preset: str | None, expected: str
) -> None:
    from quietlegs.web import server

    if preset is None:
        monkeypatch.delenv("QUIETLEGS_SITE_URL", raising=False)
    else:
        monkeypatch.setenv("QUIETLEGS_SITE_URL", preset)
    seen: dict[str, str | None] = {}

    def prepare(*, demo: bool) -> list[tuple[str, str, str]]:
        seen["prepare"] = os.environ.get("QUIETLEGS_SITE_URL")
        return []

    monkeypatch.setattr(server, "prepare", prepare)
    monkeypatch.setattr(server, "serve", lambda host, port: None)
    result = invoke("serve", "--port", "8765", "--no-demo")
    assert result.exit_code == 0, result.output
    assert seen == {"prepare": expected}
    monkeypatch.delenv("QUIETLEGS_SITE_URL", raising=False)
