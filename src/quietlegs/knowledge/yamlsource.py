"""YAML reading that remembers where every value came from.

The knowledge base is validated after parsing; to report a problem as
``conditions.yaml:42`` we keep, for each path into the parsed document, the
line it started on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

try:  # libyaml is much faster; fall back to the pure-Python loader.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path_t = tuple[str | int, ...]

logger = logging.getLogger("quietlegs.knowledge")


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


_STR_TAG = "tag:yaml.org,2002:str"


def _scalar(node: yaml.Node, loader: Any) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise YamlSourceError(f"line {node.start_mark.line + 1}: expected a scalar")
    if node.tag == _STR_TAG:  # most values: no need for the constructor machinery
        return node.value
    return loader.construct_object(node, deep=True)


#: Bump when the cached form changes, so old cache files are ignored.
_CACHE_FORMAT = 1


def _cache_file(cache_dir: Path, raw: bytes) -> Path:
    digest = hashlib.sha256(raw).hexdigest()
    return cache_dir / f"yaml-v{_CACHE_FORMAT}-{digest}.json"


def read_yaml_cached(path: Path, raw: bytes, cache_dir: Path | None) -> tuple[Any, SourceMap]:
    """Like :func:`read_yaml`, reusing a JSON copy of an earlier parse of the same bytes.

    Parsing YAML dominates loading the knowledge base; JSON is read several times
    faster. The cache is keyed by the SHA-256 of the file's bytes, so an edited file
    is always parsed afresh. A cache that cannot be read or written is ignored.

    Parameters
    ----------
    path : pathlib.Path
        The YAML file.
    raw : bytes
        Its content (already read by the caller).
    cache_dir : pathlib.Path | None
        Where cached parses live; ``None`` disables the cache.
    """
    if cache_dir is None:
        return read_yaml(path)
    target = _cache_file(cache_dir, raw)
    try:
        cached = json.loads(target.read_text(encoding="utf-8"))
        smap = SourceMap(file=path.name, lines={tuple(k): v for k, v in cached["lines"]})
        return cached["data"], smap
    except (OSError, ValueError, KeyError, TypeError):
        pass
    data, smap = read_yaml(path)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        payload = {"data": data, "lines": [[list(k), v] for k, v in smap.lines.items()]}
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(payload, default=str), encoding="utf-8")
        tmp.replace(target)
    except OSError as exc:
        logger.debug("cannot write YAML cache %s: %s", target, exc)
    return data, smap


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
