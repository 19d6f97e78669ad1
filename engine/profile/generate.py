"""Deterministic synthetic profiles for a pack, from its input declarations.

Used by the differential tests (both backends must agree on every generated
profile) and by the benchmarks. Values are drawn from each input's type and
bounds; numbers are often the pack's own thresholds (numeric literals and
parameter values found in its expressions), or a hair away from them, so
boundaries are exercised; any input may be absent, so missing data is too.
Values keep the pack's relations (a part never above its whole, a range in
order, parts that add up to their total): a profile that breaks one is
invalid, never assessed.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from engine.expr import ast
from engine.pack.fieldtypes import items_of
from engine.pack.model import Pack, RelationSpec
from engine.pack.paths import set_dotted
from engine.pack.schema import InputDecl

WORDS = ["甲", "乙", "丙", "丁", "社区", "党员", "居民", "张三", "李四", "王五", "x", "y"]


class ProfileGenerator:
    def __init__(self, pack: Pack, seed: int = 0, *, absent: float = 0.08, year: int = 2024,
                 bases: list[dict[str, Any]] | None = None):
        self.pack = pack
        self.random = random.Random(seed)
        self.absent = absent
        self.year = year
        self.constants = sorted(self._constants(), key=lambda d: (d, str(d)))
        self.strings = sorted(self._strings())
        # realistic profiles (e.g. a pack's test cases) to mutate; half the profiles come from them
        self.bases = [b for b in (bases or []) if isinstance(b, dict)]

    def _constants(self) -> set[Decimal]:
        found: set[Decimal] = set()
        expressions = [d.expr for d in self.pack.derived]
        for rule in self.pack.rules:
            expressions += rule.expressions()
        for expr in expressions:
            for node in ast.walk(expr.tree):
                if isinstance(node, ast.Literal) and isinstance(node.value, (int, Decimal)) \
                        and not isinstance(node.value, bool):
                    found.add(Decimal(node.value))
        for spec in self.pack.params.values():
            if isinstance(spec.value, (int, Decimal)) and not isinstance(spec.value, bool):
                found.add(Decimal(spec.value))
        return found

    def _strings(self) -> set[str]:
        found = set(WORDS)
        for spec in self.pack.params.values():
            if isinstance(spec.value, list):
                found.update(v for v in spec.value if isinstance(v, str))
        expressions = [d.expr for d in self.pack.derived]
        for rule in self.pack.rules:
            expressions += rule.expressions()
        for expr in expressions:
            for node in ast.walk(expr.tree):
                if isinstance(node, ast.Literal) and isinstance(node.value, str):
                    found.add(node.value)
        return found

    def profile(self, index: int) -> dict[str, Any]:
        data = self.mutant(index) if self.bases and self.random.random() < 0.5 else self.fresh(index)
        for _ in self.pack.relations:  # a part lowered to its whole may break the relation of that part's parts
            if not self._keep_all(data):
                break
        return data

    # -- relations ----------------------------------------------------------------------
    def _keep_all(self, data: dict[str, Any]) -> bool:
        """One pass over the relations; whether a value was changed."""
        changed = False
        for relation in self.pack.relations:
            for holder in self._holders(data, relation):
                changed = self._keep(holder, relation) or changed
        return changed

    def _holders(self, data: dict[str, Any], relation: RelationSpec) -> list[dict[str, Any]]:
        """The mappings a relation's names are read in: the profile, or each element of its list."""
        if relation.list_path is None:
            return [data]
        elements = self._get(data, relation.list_path)
        return [e for e in elements if isinstance(e, dict)] if isinstance(elements, list) else []

    def _keep(self, holder: dict[str, Any], relation: RelationSpec) -> bool:
        """Change a value so that the relation holds — the part to its whole, the range's ends swapped, the
        total to the sum of its parts; whether anything changed."""
        names = relation.left + (relation.right,)
        written = [self._get(holder, name) for name in names]
        if any(value is None or isinstance(value, (bool, str)) for value in written):
            return False
        scales = [self._scale(relation, name) for name in names]
        values = [value * scale if scale != 1 else value for value, scale in zip(written, scales, strict=True)]
        if relation.form == "sum":
            if sum(values[:-1]) == values[-1]:
                return False
            self._set(holder, relation.right, _unscaled(sum(values[:-1]), scales[-1]))
        elif values[0] <= values[-1]:
            return False
        elif relation.form == "range":
            self._set(holder, names[0], written[-1])
            self._set(holder, names[-1], written[0])
        else:
            self._set(holder, names[0], _unscaled(values[-1], scales[0]))
        return True

    def _scale(self, relation: RelationSpec, name: str) -> Decimal | int:
        """What a written value is multiplied by to compare it: percents are written in percent."""
        decl = self.pack.inputs[relation.list_path].decl.items if relation.list_path else None
        found = (decl.fields or {}).get(name) if decl is not None else self.pack.inputs[name].decl
        return Decimal("0.01") if found is not None and found.type == "percent" else 1

    def mutant(self, index: int) -> dict[str, Any]:
        """A base profile with a few values dropped, perturbed or replaced."""
        import copy

        data = copy.deepcopy(self.random.choice(self.bases))
        data["profile"] = {"id": f"gen-{index}", "name": f"生成社区{index}",
                           "subject": self.pack.meta.subject, "year": self.year}
        paths = [p for p in self.pack.inputs if self._get(data, p) is not None]
        for _ in range(self.random.randint(0, 3)):
            if not paths:
                break
            path = self.random.choice(paths)
            spec = self.pack.inputs[path]
            action = self.random.random()
            if action < 0.25:
                self._set(data, path, None)
            elif action < 0.5 and isinstance(self._get(data, path), list) and self._get(data, path):
                items = self._get(data, path)
                items.pop(self.random.randrange(len(items)))
            else:
                self._set(data, path, self.value(spec.decl))
        return data

    @staticmethod
    def _get(data: dict[str, Any], path: str) -> Any:
        node: Any = data
        for part in path.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    @staticmethod
    def _set(data: dict[str, Any], path: str, value: Any) -> None:
        parts = path.split(".")
        node = data
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        if value is None:
            node.pop(parts[-1], None)
        else:
            node[parts[-1]] = value

    def fresh(self, index: int) -> dict[str, Any]:
        data: dict[str, Any] = {"profile": {"id": f"gen-{index}", "name": f"生成社区{index}",
                                            "subject": self.pack.meta.subject, "year": self.year}}
        for path, spec in self.pack.inputs.items():
            if self.random.random() < self.absent:
                continue
            set_dotted(data, path, self.value(spec.decl))
        return data

    def profiles(self, count: int, start: int = 0) -> list[dict[str, Any]]:
        return [self.profile(start + i) for i in range(count)]

    # -- values ---------------------------------------------------------------------
    def value(self, decl: InputDecl) -> Any:
        kind = decl.type
        r = self.random
        if kind == "boolean":
            return r.random() < 0.6
        if kind == "enum":
            return r.choice(decl.values or [])
        if kind == "string":
            return r.choice(self.strings)
        if kind == "date":
            return dt.date(self.year, 1, 1) + dt.timedelta(days=r.randrange(-20, 385))
        if kind in ("integer", "number", "percent", "ratio"):
            return self.number(decl)
        if kind == "list":
            return self.list_value(decl)
        raise ValueError(kind)

    def number(self, decl: InputDecl) -> int | Decimal:
        r = self.random
        kind = decl.type
        low, high = decl.min, decl.max
        if kind == "percent":
            low, high = (low if low is not None else Decimal(0)), (high if high is not None else Decimal(100))
        elif kind == "ratio":
            low, high = (low if low is not None else Decimal(0)), (high if high is not None else Decimal(1))
        else:
            low = low if low is not None else Decimal(0)
            high = high if high is not None else low + 120
        pick = r.random()
        if pick < 0.35 and self.constants:
            value = r.choice(self.constants)
            if kind == "percent" and value <= 1:
                value *= 100  # thresholds are fractions; percent inputs are written in percent
            value += r.choice([Decimal(0), Decimal(0), Decimal("0.01"), Decimal("-0.01"), Decimal(1), Decimal(-1)])
        elif pick < 0.5:
            value = r.choice([low, high])
        elif pick < 0.7 and kind == "integer":
            value = Decimal(r.randint(int(low), int(min(high, low + 3))))
        elif kind == "integer":
            value = Decimal(r.randint(int(low), int(min(high, low + 120))))
        else:
            value = Decimal(r.randint(int(low * 100), int(high * 100))) / 100
        value = min(max(value, low), high)
        if kind == "integer":
            return int(value)
        return value.normalize() if value != value.to_integral_value() else int(value)

    def list_value(self, decl: InputDecl) -> list[Any]:
        r = self.random
        item = items_of(decl)
        if item.type == "enum":
            return [v for v in item.values or [] if r.random() < 0.75]
        if item.type == "object":
            count = r.choice([0, 1, 2, 3, 5, 8, 13, 24, 26])
            return [self.element(item, i) for i in range(count)]
        return [self.value(item) for _ in range(r.randint(0, 4))]

    def element(self, decl: InputDecl, index: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, field in (decl.fields or {}).items():
            if not field.required and self.random.random() < self.absent / 2:
                continue
            value = self.value(field)
            if field.type == "string" and field.required:
                value = f"{value}{index}"
            set_dotted(out, name, value)
        return out


def _unscaled(value: Any, scale: Decimal | int) -> Any:
    """A compared value written back in the units of an input whose values are multiplied by `scale`."""
    return value / scale if scale != 1 else value
