"""study.yaml parsed safely and within limits: ``yaml.SafeLoader`` (no Python objects), a size limit, and a limit
on the number of nodes the document has once its aliases are expanded, checked on the composed node graph
before anything is constructed. An alias bomb ("billion laughs": nested anchors, each alias repeating the
previous one) composes in microseconds but expands to billions of nodes; here it is refused in milliseconds
with a ``StudyError`` naming the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from analysis.errors import StudyError
from analysis.study.problems import Problem
from analysis.study.schema import load_schema


def _limit(name: str) -> int:
    return int(load_schema()["checks"][name])


def _refuse(path: Path, label: str, message: str, hint: str, line: int | None = None) -> StudyError:
    problem = Problem("error", label, line, None, message, hint)
    return StudyError(f"{path}: {message} -- {hint}", [problem])


def expanded_node_count(root: yaml.Node, limit: int) -> int:
    """Nodes of the document with every alias expanded, counted without expanding: each distinct node's
    expanded size is computed once. Stops counting above ``limit`` (returns a number > limit).
    Raises ``ValueError`` for an alias that refers to one of its own ancestors (a recursive document)."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    # iterative post-order walk: a deeply nested document must not exhaust Python's recursion limit
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            size = 1 + sum(sizes[id(child)] for child in _children(node))
            sizes[key] = min(size, limit + 1)
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise ValueError("an alias refers to a node that contains it (recursive document)")
        on_path.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in on_path:
                raise ValueError("an alias refers to a node that contains it (recursive document)")
            if id(child) not in sizes:
                stack.append((child, False))
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    return []


def _nesting_deeper_than(text: str, max_depth: int) -> bool:
    """Whether collections nest deeper than ``max_depth``, from the parser's events (no recursion, stops at the
    first level too deep: PyYAML's scanner slows quadratically with depth and its composer recurses)."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > max_depth:
                return True
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return False


def load_yaml_bounded(path: str | Path, label: str | None = None) -> Any:
    """The YAML document in ``path``, loaded with ``yaml.SafeLoader`` within the size and expanded-node limits
    of analysis/study_schema.yaml (``checks``).

    Raises ``StudyError`` naming the file (and carrying one :class:`Problem` for ``label``, default the file
    name) when a limit is exceeded or the document is recursive; ``OSError``, ``UnicodeDecodeError`` and
    ``yaml.YAMLError`` pass through for the caller to report in its own words.
    """
    path = Path(path)
    label = label or path.name
    max_bytes = _limit("study_yaml_max_bytes")
    size = path.stat().st_size
    if size > max_bytes:
        raise _refuse(
            path,
            label,
            f"is {size:,} bytes; a study.yaml is at most {max_bytes:,} bytes",
            "keep only the documented keys (data/README.md) in study.yaml; data belongs in the CSV tables",
        )
    text = path.read_bytes().decode("utf-8-sig")
    max_depth = _limit("study_yaml_max_depth")
    if _nesting_deeper_than(text, max_depth):
        raise _refuse(
            path,
            label,
            f"is refused: its lists or mappings are nested more than {max_depth} levels deep",
            "a study.yaml nests a few levels (data/README.md); check for unbalanced [ or {",
        )
    max_nodes = _limit("study_yaml_max_nodes")
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            n_nodes = expanded_node_count(node, max_nodes)
        except ValueError as exc:
            raise _refuse(
                path, label, f"is refused: {exc}", "remove the alias (*name) inside its own anchor (&name)"
            ) from None
        if n_nodes > max_nodes:
            raise _refuse(
                path,
                label,
                f"is refused: its aliases (*name) expand to more than {max_nodes:,} values "
                "(nested anchors, a 'YAML bomb')",
                "write the values out, or use anchors (&name) and aliases (*name) only a few times",
            )
        duplicate = _first_duplicate_key(node)
        if duplicate is not None:
            key, first_line, line = duplicate
            raise _refuse(
                path,
                label,
                f"key {key!r} appears twice in one mapping (lines {first_line} and {line}); YAML would silently keep "
                "only the last",
                "merge the two blocks into one",
                line,
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _first_duplicate_key(root: yaml.Node) -> tuple[str, int, int] | None:
    """The first key written twice in the same mapping (key, first line, second line; 1-based), walking the node
    tree iteratively (merge keys ``<<`` are YAML's own mechanism and may repeat)."""
    stack, seen_nodes = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            lines: dict[str, int] = {}
            for key_node, value_node in node.value:
                key = str(getattr(key_node, "value", ""))
                if isinstance(key_node, yaml.ScalarNode) and key != "<<":
                    if key in lines:
                        return key, lines[key], key_node.start_mark.line + 1
                    lines[key] = key_node.start_mark.line + 1
                stack.extend((key_node, value_node))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return None
