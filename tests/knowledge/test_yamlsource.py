from __future__ import annotations

from pathlib import Path

import pytest

from quietlegs.knowledge.yamlsource import YamlSourceError, read_yaml


def test_lines_are_recorded_for_every_path(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("items:\n  - id: x\n    flag: true\n  - id: y\n", encoding="utf-8")
    data, smap = read_yaml(path)
    assert data == {"items": [{"id": "x", "flag": True}, {"id": "y"}]}
    assert smap.line_of(("items", 1)) == 4
    assert smap.line_of(("items", 0, "flag")) == 3
    # A path below a scalar falls back to its nearest known ancestor.
    assert smap.where(("items", 1, "missing", 0)) == "a.yaml:4"


def test_duplicate_key_is_an_error_with_line(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text("a: 1\nb: 2\na: 3\n", encoding="utf-8")
    with pytest.raises(YamlSourceError, match=r"d\.yaml:3: duplicate key 'a'"):
        read_yaml(path)


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("a:\n  - x\n  y: [\n", encoding="utf-8")
    with pytest.raises(YamlSourceError, match=r"bad\.yaml:\d+: invalid YAML"):
        read_yaml(path)


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes("a: \xe9\n".encode("latin-1"))
    with pytest.raises(YamlSourceError, match=r"latin\.yaml: not UTF-8"):
        read_yaml(path)


def test_empty_file_is_none(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("", encoding="utf-8")
    data, _ = read_yaml(path)
    assert data is None
