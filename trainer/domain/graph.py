"""Walking small directed graphs: course prerequisites and scenario steps."""

from __future__ import annotations

from collections.abc import Mapping


def find_cycle(graph: Mapping[str, list[str]], start: str) -> list[str] | None:
    """A cycle reachable from ``start`` as [a, b, ..., a], or None."""
    path: list[str] = []
    on_path: set[str] = set()
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        path.append(node)
        on_path.add(node)
        for target in graph.get(node, []):
            if target in on_path:
                return [*path[path.index(target) :], target]
            if target not in done:
                found = visit(target)
                if found:
                    return found
        path.pop()
        on_path.discard(node)
        done.add(node)
        return None

    return visit(start)


def reachable(graph: Mapping[str, list[str]], start: str) -> set[str]:
    """Every node reachable from ``start`` (``start`` included)."""
    seen = {start}
    stack = [start]
    while stack:
        for target in graph.get(stack.pop(), []):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return seen
