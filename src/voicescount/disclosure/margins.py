"""The margins of a table: the additive equations someone holding the published cells can use.

Cells sharing the period and every dimension code but the one at position ``d`` form a group.
A group yields

* a *category* margin when it holds the total code (``_T``) at ``d`` and at least one other
  code: total = sum of the other codes (those of them that sit under another code of the group
  in a hierarchy are left out, as their parent already counts them);
* a *hierarchy* margin for each code of the group that the hierarchy at ``d`` names as an
  ancestor of codes in the group: parent = sum of the children present, a child missing from
  the group standing in for its own nearest present descendants.

Every margin is treated as additive whatever the unit. For counts that is exact; for rates,
means or percentages it is conservative on purpose: with the unweighted n (published alongside)
an attacker turns rates back into counts, and a margin that does not really add up only costs
some extra suppression, never protection. Likewise a parent whose children are not all present
still gets its equation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from voicescount.disclosure.model import Cell, Hierarchies, Policy

MarginKind = Literal["category", "hierarchy"]


@dataclass(frozen=True, slots=True)
class Margin:
    """total = sum(parts), over cell indices (positions in the list given to :func:`build`)."""

    position: int
    kind: MarginKind
    total: int
    parts: tuple[int, ...]

    @property
    def members(self) -> tuple[int, ...]:
        return (self.total, *self.parts)


@dataclass(frozen=True, slots=True)
class Margins:
    """The margins of a table, in a canonical order, and the margins each cell belongs to."""

    margins: list[Margin]
    of_cell: list[list[int]]
    #: Each cell's place in (period, key) order: a cheap stand-in for the key in sorts.
    place: list[int]


def build(cells: Sequence[Cell], policy: Policy, hierarchies: Hierarchies) -> Margins:
    """All margins of ``cells``, ordered by (period, total's key, position, kind).

    The order depends on the cells, not on the order they come in, so suppression choices are the
    same however the caller sorted its rows. Raises ``ValueError`` on keys of different lengths
    or on two cells with the same key and period (the equations would be ambiguous).
    """
    place = _places(cells)
    margins: list[Margin] = []
    for position in _positions_with_margins(cells, policy, hierarchies):
        for group in _groups(cells, position).values():
            if len(group) > 1:
                margins.extend(_group_margins(cells, place, group, position, policy, hierarchies))
    margins.sort(key=lambda m: (place[m.total], m.position, m.kind))
    of_cell: list[list[int]] = [[] for _ in cells]
    for index, margin in enumerate(margins):
        for member in margin.members:
            of_cell[member].append(index)
    return Margins(margins, of_cell, place)


def _places(cells: Sequence[Cell]) -> list[int]:
    """Each cell's rank in (period, key) order; checks key lengths and duplicates on the way."""
    if not cells:
        return []
    width = len(cells[0].key)
    for cell in cells:
        if len(cell.key) != width:
            raise ValueError(
                f"cell {cell.id} has {len(cell.key)} dimension codes, expected {width}"
            )
    order = sorted(range(len(cells)), key=lambda i: (cells[i].period, cells[i].key))
    place = [0] * len(cells)
    previous = None
    for rank, index in enumerate(order):
        cell = cells[index]
        if previous is not None and (previous.period, previous.key) == (cell.period, cell.key):
            raise ValueError(f"two cells for {cell.series_key} {cell.period}")
        place[index] = rank
        previous = cell
    return place


def _positions_with_margins(
    cells: Sequence[Cell], policy: Policy, hierarchies: Hierarchies
) -> list[int]:
    """Positions where some margin can exist, so that the others cost nothing.

    A position needs at least two codes, one of them the total code or a hierarchy parent: FREQ,
    SERIES and the many breakdowns every row leaves at ``_T`` drop out here.
    """
    if not cells:
        return []
    positions = []
    for position in range(len(cells[0].key)):
        codes = {cell.key[position] for cell in cells}
        parents = hierarchies.children_at(position).keys()
        if len(codes) > 1 and (policy.total_code in codes or not codes.isdisjoint(parents)):
            positions.append(position)
    return positions


def _groups(cells: Sequence[Cell], position: int) -> dict[tuple[object, ...], list[int]]:
    groups: dict[tuple[object, ...], list[int]] = {}
    for index, cell in enumerate(cells):
        key = cell.key
        groups.setdefault((cell.period, key[:position], key[position + 1 :]), []).append(index)
    return groups


def _group_margins(
    cells: Sequence[Cell],
    place: list[int],
    group: list[int],
    position: int,
    policy: Policy,
    hierarchies: Hierarchies,
) -> list[Margin]:
    by_code = {cells[index].key[position]: index for index in group}
    parents = hierarchies.parents_at(position)
    children = hierarchies.children_at(position)
    margins = []
    category: Margin | None = None
    total = by_code.get(policy.total_code)
    if total is not None:
        if parents:
            tops = [
                index
                for code, index in by_code.items()
                if code != policy.total_code and not _has_ancestor_in(code, parents, by_code)
            ]
        else:
            tops = [index for index in group if index != total]
        if tops:
            # Parts in key order, so reasons read the same whatever the input order.
            tops.sort(key=place.__getitem__)
            category = Margin(position, "category", total, tuple(tops))
            margins.append(category)
    if children:
        for code, index in by_code.items():
            present = _nearest_present(code, children, by_code)
            if present:
                present.sort(key=place.__getitem__)
                margin = Margin(position, "hierarchy", index, tuple(present))
                # A hierarchy that restates the category margin (_T → its codes) adds nothing.
                if category is None or (category.total, category.parts) != (index, margin.parts):
                    margins.append(margin)
    return margins


def _nearest_present(
    code: str, children: Mapping[str, tuple[str, ...]], present: dict[str, int]
) -> list[int]:
    """The cells that add up to ``code`` in this group: its children present and, in place of a
    child missing from the group, that child's own nearest present descendants.

    Without the descent, a group that lacks a sub-total (a series given by county and country
    but not by region, while the hierarchy, built over the whole submission, routes counties
    through regions) got no equation at all between the country and its counties, so a lone
    small county was published as recoverable: country minus the other counties. Mirrors
    :func:`_has_ancestor_in`, which already looks through missing ancestors for the category
    margin. A visited set stops cycles and a code reached twice counts once.
    """
    found: list[int] = []
    seen = {code}
    todo = list(children.get(code, ()))
    while todo:
        kid = todo.pop()
        if kid in seen:
            continue
        seen.add(kid)
        if kid in present:
            found.append(present[kid])
        else:
            todo.extend(children.get(kid, ()))
    return found


def _has_ancestor_in(
    code: str, parents: Mapping[str, tuple[str, ...]], present: dict[str, int]
) -> bool:
    """Whether a parent, grandparent… of ``code`` is in the group (a visited set stops cycles)."""
    if not parents:
        return False
    todo = list(parents.get(code, ()))
    seen: set[str] = set()
    while todo:
        ancestor = todo.pop()
        if ancestor in present:
            return True
        if ancestor not in seen:
            seen.add(ancestor)
            todo.extend(parents.get(ancestor, ()))
    return False
