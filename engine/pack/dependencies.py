"""Order names so that each comes after the names it depends on (derived values, rules read with met())."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping
from graphlib import CycleError, TopologicalSorter


def dependency_order(graph: Mapping[str, Iterable[str]], on_cycle: Callable[[list[str]], None]) -> list[str]:
    """The names of `graph` (name → the names it depends on) in their order in the graph, except that a
    name waits for those it depends on. Names the graph does not hold are ignored as dependencies.

    A cycle is passed to `on_cycle` as `[a, b, a]` (a depends on b, b on a), starting at the name that
    comes first in the graph; then it is broken there, so the rest is still ordered and every cycle is
    reported once."""
    position = {name: index for index, name in enumerate(graph)}
    edges = {name: {dep for dep in deps if dep in position} for name, deps in graph.items()}
    while True:
        sorter = TopologicalSorter(edges)
        try:
            sorter.prepare()
        except CycleError as exc:
            cycle = _as_read(exc.args[1], position)
            on_cycle(cycle)
            edges[cycle[-2]].discard(cycle[-1])  # the last link closes the cycle
            continue
        return _in_graph_order(sorter, position)


def _as_read(found: list[str], position: Mapping[str, int]) -> list[str]:
    """graphlib's cycle (each name a dependency of the next) as `a → b → a` (a depends on b), from its
    earliest name."""
    names = list(reversed(found))[:-1]
    start = min(range(len(names)), key=lambda index: position[names[index]])
    names = names[start:] + names[:start]
    return names + names[:1]


def _in_graph_order(sorter: TopologicalSorter[str], position: Mapping[str, int]) -> list[str]:
    waiting: list[tuple[int, str]] = []
    order: list[str] = []
    while sorter.is_active():
        for name in sorter.get_ready():
            heapq.heappush(waiting, (position[name], name))
        _, name = heapq.heappop(waiting)
        order.append(name)
        sorter.done(name)
    return order
