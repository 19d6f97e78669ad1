"""Deterministic synthetic profiles for a pack, from its input declarations.

Used by the differential tests (both backends must agree on every generated
profile) and by the benchmarks. Values are drawn from each input's type and
bounds; numbers are often the pack's own thresholds (numeric literals and
parameter values found in its expressions), or a hair away from them, so
boundaries are exercised; any input may be absent, so missing data is too.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from engine.expr import ast
from engine.pack.fieldtypes import items_of
from engine.pack.model import Pack
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
        if self.bases and self.random.random() < 0.5:
            return self.mutant(index)
        return self.fresh(index)

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
