"""YAML reading that remembers where every value came from.

The knowledge base is validated after parsing; to report a problem as
``conditions.yaml:42`` we keep, for each path into the parsed document, the
line it started on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:  # libyaml is much faster; fall back to the pure-Python loader.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path_t = tuple[str | int, ...]


@dataclass
class SourceMap:
    """Line numbers (1-based) of the values of one YAML file, keyed by path."""

    file: str
    lines: dict[Path_t, int] = field(default_factory=dict)

    def line_of(self, path: Path_t) -> int:
        """Return the line of ``path`` or of its nearest ancestor that has one."""
        probe = tuple(path)
        while probe:
            if probe in self.lines:
                return self.lines[probe]
            probe = probe[:-1]
        return self.lines.get((), 1)

    def where(self, path: Path_t) -> str:
        """Return ``file:line`` for ``path``."""
        return f"{self.file}:{self.line_of(path)}"


class YamlSourceError(ValueError):
    """A YAML file could not be parsed; the message names file and line."""


def _construct(node: yaml.Node, path: Path_t, smap: SourceMap, loader: Any) -> Any:
    smap.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node, loader)
            if not isinstance(key, str | int | bool):
                raise YamlSourceError(
                    f"{smap.file}:{key_node.start_mark.line + 1}: mapping keys must be plain "
                    f"scalars; got {type(key).__name__}"
                )
            key_s = str(key).lower() if isinstance(key, bool) else str(key)
            if key_s in out:
                raise YamlSourceError(
                    f"{smap.file}:{key_node.start_mark.line + 1}: duplicate key {key_s!r}"
                )
            out[key_s] = _construct(value_node, (*path, key_s), smap, loader)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*path, i), smap, loader) for i, item in enumerate(node.value)]
    return _scalar(node, loader)


def _scalar(node: yaml.Node, loader: Any) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise YamlSourceError(f"line {node.start_mark.line + 1}: expected a scalar")
    return loader.construct_object(node, deep=True)


def read_yaml(path: Path) -> tuple[Any, SourceMap]:
    """Parse one YAML file, returning its data and the line of every value.

    Parameters
    ----------
    path : pathlib.Path
        The file to read (UTF-8).

    Returns
    -------
    data : object
        The parsed document (``None`` for an empty file).
    source_map : SourceMap
        Where each value was found.

    Raises
    ------
    YamlSourceError
        If the file is not valid YAML; the message gives file and line.
    """
    smap = SourceMap(file=path.name)
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=_Loader)
    except UnicodeDecodeError as exc:
        raise YamlSourceError(f"{path.name}: not UTF-8 text ({exc.reason})") from exc
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise YamlSourceError(f"{path.name}:{line}: invalid YAML: {exc.problem}") from exc
    if node is None:
        return None, smap
    loader = _Loader("")
    try:
        return _construct(node, (), smap, loader), smap
    finally:
        loader.dispose()
