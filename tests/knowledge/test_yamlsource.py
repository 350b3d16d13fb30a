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


def test_parse_cache_round_trip_and_invalidation(tmp_path: Path) -> None:
    from quietlegs.knowledge.yamlsource import read_yaml_cached

    cache = tmp_path / "cache"
    path = tmp_path / "k.yaml"
    path.write_text("meta:\n  released: 2026-01-02\n  n: 3\n", encoding="utf-8")
    first = read_yaml_cached(path, path.read_bytes(), cache)
    assert len(list(cache.glob("*.json"))) == 1
    again = read_yaml_cached(path, path.read_bytes(), cache)
    assert again[0] == {"meta": {"released": "2026-01-02", "n": 3}}  # dates come back as text
    assert again[1].lines == first[1].lines
    # an edited file is parsed afresh (the cache is keyed by content)
    path.write_text("meta:\n  n: 4\n", encoding="utf-8")
    assert read_yaml_cached(path, path.read_bytes(), cache)[0] == {"meta": {"n": 4}}
    # a corrupt cache file is ignored
    for f in cache.glob("*.json"):
        f.write_text("{broken", encoding="utf-8")
    assert read_yaml_cached(path, path.read_bytes(), cache)[0] == {"meta": {"n": 4}}


def test_unwritable_cache_is_ignored(tmp_path: Path) -> None:
    from quietlegs.knowledge.yamlsource import read_yaml_cached

    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    path = tmp_path / "k.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    assert read_yaml_cached(path, path.read_bytes(), blocker / "sub")[0] == {"a": 1}
