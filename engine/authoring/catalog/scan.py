"""Find every diagnostic code the engine can emit, by reading its source (no import, no run).

A code is a string literal that reaches the `code` argument of `Diagnostic(...)` or
`ExprError(...)`. Most emission sites pass the literal through a helper
(`sink.error(file, line, col, code, ...)`, `self.error(mark, code, ...)`,
`error_at(sink, origin, parts, code, ...)`, `diagnostic_at(origin, severity, code, ...)`, ...):
a function that hands one of its parameters on as a code becomes an *emitter* itself, and
the literals its callers pass are codes. This is found to a fixpoint, so a new helper
needs no change here.

Besides literals and parameters, a code expression may be:

- a local variable assigned literals (`code = "type"` ... `code = "enum"`), also through
  `code, message = helper(...)` (the helper's returned tuples) and
  `for limit, code in ((..., "a"), (..., "b"))`;
- `X.code`: a code already emitted where X was made (an `ExprError` turned into a
  `Diagnostic`): not a new code;
- `<...>.code_prefix + code`: pydantic errors turned into diagnostics
  (engine/source/validation_errors.py); the prefixes are the `code_prefix=` literals
  passed anywhere (and the parameter's default).

Anything else is *unresolved* and reported, so a code cannot hide from the catalog test.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2]
PREFIX_PARAMETER = "code_prefix"


@dataclass(frozen=True)
class Emitter:
    """A callable whose argument at `index` (or keyword `keyword`) is a diagnostic code."""

    name: str
    module: str
    owner: str | None  # the class, for a method
    index: int | None
    keyword: str
    prefixed: bool = False  # the code gets a `code_prefix` in front


# Where codes are born: the constructors that carry them.
SEEDS = (
    Emitter("Diagnostic", "engine.errors", None, 4, "code"),
    Emitter("ExprError", "engine.expr.errors", None, 0, "code"),
)
# The durable backend's checks of the matching core's limits have codes of their own; a user sees them as the
# reason in the message of a `pack-limit` diagnostic.
LIMIT_SEEDS = (
    Emitter("LimitProblem", "engine.backends.durable.terms", None, 2, "code"),
    Emitter("_Bad", "engine.backends.durable.terms", None, 0, "code"),
)


@dataclass(frozen=True)
class Emission:
    """A code and the place in the source that emits it (`file` relative to the repository)."""

    code: str
    file: str
    line: int
    note: str = ""

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" + (f" ({self.note})" if self.note else "")


@dataclass(frozen=True)
class Unresolved:
    """A code argument the scan cannot turn into literals."""

    file: str
    line: int
    expression: str


@dataclass
class Function:
    node: ast.FunctionDef | ast.AsyncFunctionDef | None  # None: a module's top level
    module: str
    owner: str | None  # the class of a method
    self_class: str | None = None  # the class `self` is an instance of (in a method, or a function inside one)

    @property
    def parameters(self) -> list[str]:
        if self.node is None:
            return []
        args = self.node.args
        names = [a.arg for a in [*args.posonlyargs, *args.args]]
        return names[1:] if self.owner is not None and names[:1] in (["self"], ["cls"]) else names

    @property
    def keyword_only(self) -> list[str]:
        return [a.arg for a in self.node.args.kwonlyargs] if self.node is not None else []


@dataclass
class Module:
    name: str
    file: str
    tree: ast.Module
    imported: dict[str, str] = field(default_factory=dict)  # local name -> module it comes from
    functions: dict[str, list[Function]] = field(default_factory=dict)
    methods: dict[str, set[str]] = field(default_factory=dict)  # class -> its methods


@dataclass(frozen=True)
class Call:
    node: ast.Call
    function: Function
    module: Module


@dataclass
class ScanResult:
    emissions: list[Emission]
    unresolved: list[Unresolved]

    def codes(self) -> dict[str, list[Emission]]:
        found: dict[str, list[Emission]] = {}
        for emission in self.emissions:
            found.setdefault(emission.code, []).append(emission)
        return dict(sorted(found.items()))


# -- reading the modules -------------------------------------------------------------------------

def _module_name(path: Path, top: Path) -> str:
    parts = list(path.relative_to(top).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _read_module(path: Path, top: Path) -> Module:
    """A module of the package at `top` / its name (`top` is the directory that holds the package)."""
    module = Module(_module_name(path, top), path.relative_to(top).as_posix(),
                    ast.parse(path.read_text(encoding="utf-8"), str(path)))
    for node in ast.walk(module.tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                module.imported[alias.asname or alias.name] = node.module
    return module


def _calls(module: Module) -> Iterator[Call]:
    """Every call of the module with the function (or top level) it is written in."""
    def visit(node: ast.AST, function: Function) -> Iterator[Call]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                yield from visit(child, Function(None, module.name, child.name, child.name))
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                owner = function.owner if function.node is None else None
                inner = Function(child, module.name, owner, function.self_class)
                module.functions.setdefault(child.name, []).append(inner)
                if owner is not None:
                    module.methods.setdefault(owner, set()).add(child.name)
                yield from visit(child, inner)
            else:
                if isinstance(child, ast.Call):
                    yield Call(child, function, module)
                yield from visit(child, function)

    yield from visit(module.tree, Function(None, module.name, None))


# -- matching calls to emitters ------------------------------------------------------------------

def _visible(emitter: Emitter, module: Module, name: str, modules: dict[str, Module]) -> bool:
    """Whether `name` in `module` can refer to the emitter's function or class (imported, maybe re-exported)."""
    seen = set()
    while module.name not in seen:
        if emitter.module == module.name:
            return True
        seen.add(module.name)
        source = modules.get(module.imported.get(name, ""))
        if source is None:
            return False
        module = source
    return False


def _candidates(call: Call, emitters: list[Emitter], modules: dict[str, Module]) -> list[Emitter]:
    func = call.node.func
    if isinstance(func, ast.Name):
        return [e for e in emitters
                if e.name == func.id and e.owner is None and _visible(e, call.module, func.id, modules)]
    if not isinstance(func, ast.Attribute):
        return []
    methods = [e for e in emitters if e.name == func.attr and e.owner is not None]
    own_class = call.function.self_class
    if isinstance(func.value, ast.Name) and func.value.id == "self" and own_class is not None \
            and func.attr in call.module.methods.get(own_class, set()):
        return [e for e in methods if e.owner == own_class and e.module == call.module.name]
    known = [e for e in methods if e.owner is not None and _visible(e, call.module, e.owner, modules)]
    if known or any(func.attr in names for names in call.module.methods.values()):
        return known  # a method of a class of this module, or of one it imports
    return methods  # an object of a class the module does not name: any emitter of that name


def _argument(call: Call, emitter: Emitter, lengths: _Lengths) -> ast.expr | None:
    """The expression given for the emitter's code parameter; None when not given (or given by `**data`:
    a diagnostic rebuilt from a dumped one). A `*tuple` before it must have a known length."""
    for keyword in call.node.keywords:
        if keyword.arg == emitter.keyword:
            return keyword.value
    if emitter.index is None:
        return None
    position = 0
    for arg in call.node.args:
        if isinstance(arg, ast.Starred):
            size = lengths.of(arg.value, call)
            if size is None or position + size > emitter.index:
                return arg  # unresolved: the code's position is not known, or the code is inside the tuple
            position += size
        elif position == emitter.index:
            return arg
        else:
            position += 1
    return None


class _Lengths:
    """The length of a `*tuple` argument: a tuple written out, a variable assigned one, or the result of a
    function annotated `-> tuple[A, B]`."""

    def __init__(self, modules: list[Module]):
        self.returns: dict[tuple[str, str], set[int | None]] = {}  # (module or "", function) -> lengths
        for module in modules:
            for node in ast.walk(module.tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    for key in ((module.name, node.name), ("", node.name)):
                        self.returns.setdefault(key, set()).add(_tuple_length(node.returns))

    def of(self, expr: ast.expr, call: Call, depth: int = 0) -> int | None:
        if isinstance(expr, ast.Tuple):
            return len(expr.elts)
        if isinstance(expr, ast.Call):
            name = expr.func.attr if isinstance(expr.func, ast.Attribute) else getattr(expr.func, "id", "")
            sizes = self.returns.get((call.module.name, name)) or self.returns.get(("", name), {None})
            return next(iter(sizes)) if len(sizes) == 1 else None
        if isinstance(expr, ast.IfExp) and depth < 4:
            sizes = {self.of(expr.body, call, depth + 1), self.of(expr.orelse, call, depth + 1)}
            return next(iter(sizes)) if len(sizes) == 1 else None
        if isinstance(expr, ast.Name) and depth < 4:
            values = list(_Resolver(call.function, call.module).assigned(expr.id))
            sizes = {self.of(value, call, depth + 1) for value in values}
            return next(iter(sizes)) if len(sizes) == 1 else None
        return None


def _tuple_length(annotation: ast.expr | None) -> int | None:
    """2 for `tuple[int, int]`; None for anything else (`tuple[int, ...]`, no annotation)."""
    if not (isinstance(annotation, ast.Subscript) and isinstance(annotation.value, ast.Name)
            and annotation.value.id == "tuple"):
        return None
    items = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
    if any(isinstance(item, ast.Constant) and item.value is Ellipsis for item in items):
        return None
    return len(items)


# -- what a code expression can be ---------------------------------------------------------------

@dataclass
class _Found:
    literals: list[tuple[str, int]] = field(default_factory=list)  # code, line
    parameters: list[tuple[str, bool]] = field(default_factory=list)  # parameter name, prefixed
    unresolved: list[ast.expr] = field(default_factory=list)

    def add(self, other: _Found) -> None:
        self.literals += other.literals
        self.parameters += other.parameters
        self.unresolved += other.unresolved


class _Resolver:
    def __init__(self, function: Function, module: Module):
        self.function = function
        self.module = module

    def resolve(self, expr: ast.expr, depth: int = 0) -> _Found:
        found = _Found()
        if depth > 8:
            found.unresolved.append(expr)
        elif isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            found.literals.append((expr.value, expr.lineno))
        elif isinstance(expr, ast.IfExp):
            found.add(self.resolve(expr.body, depth + 1))
            found.add(self.resolve(expr.orelse, depth + 1))
        elif isinstance(expr, ast.Attribute) and expr.attr == "code":
            pass  # a code emitted where the object carrying it was made
        elif isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add) and _is_prefix(expr.left):
            inner = self.resolve(expr.right, depth + 1)
            found.parameters += [(name, True) for name, _ in inner.parameters]
            found.unresolved += inner.unresolved + ([expr] if inner.literals else [])
        elif isinstance(expr, ast.Name):
            found.add(self._name(expr, depth))
        else:  # an f-string, a call, a `*tuple` hiding the code's position: say so rather than guess
            found.unresolved.append(expr)
        return found

    def _name(self, expr: ast.Name, depth: int) -> _Found:
        found = _Found()
        if expr.id in self.function.parameters or expr.id in self.function.keyword_only:
            found.parameters.append((expr.id, False))
            return found
        values = list(self.assigned(expr.id))
        if not values:
            found.unresolved.append(expr)
        for value in values:
            found.add(self.resolve(value, depth + 1))
        return found

    def assigned(self, name: str) -> Iterator[ast.expr]:
        """The expressions assigned to a local variable of the function."""
        body = self.function.node.body if self.function.node is not None else []
        for statement in body:
            for node in ast.walk(statement):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        yield from self._bound(target, node.value, name)
                elif isinstance(node, ast.AnnAssign) and node.value is not None:
                    yield from self._bound(node.target, node.value, name)
                elif isinstance(node, ast.For):
                    yield from self._looped(node, name)

    def _bound(self, target: ast.expr, value: ast.expr, name: str) -> Iterator[ast.expr]:
        if isinstance(target, ast.Name) and target.id == name:
            yield value
        elif isinstance(target, ast.Tuple):
            for index, element in enumerate(target.elts):
                if isinstance(element, ast.Name) and element.id == name:
                    yield from self._element(value, index)

    def _element(self, value: ast.expr, index: int) -> Iterator[ast.expr]:
        """Element `index` of a tuple: written out, or returned by a function of this module."""
        if isinstance(value, ast.Tuple) and index < len(value.elts):
            yield value.elts[index]
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
            for function in self.module.functions.get(value.func.id, []):
                resolver = _Resolver(function, self.module)
                for node in ast.walk(function.node) if function.node is not None else ():
                    if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
                        yield from resolver._element_as_code(node.value, index)

    def _element_as_code(self, value: ast.Tuple, index: int) -> Iterator[ast.expr]:
        element = value.elts[index] if index < len(value.elts) else None
        if isinstance(element, ast.Name):
            yield from self.assigned(element.id)
        elif element is not None:
            yield element

    def _looped(self, loop: ast.For, name: str) -> Iterator[ast.expr]:
        """`for a, code in ((1, "x"), (2, "y"))`: the literal rows' elements."""
        if not isinstance(loop.iter, (ast.Tuple, ast.List)):
            return
        for row in loop.iter.elts:
            yield from self._bound(loop.target, row, name)


def _is_prefix(expr: ast.expr) -> bool:
    return (isinstance(expr, ast.Attribute) and expr.attr == PREFIX_PARAMETER) or \
        (isinstance(expr, ast.Name) and expr.id == PREFIX_PARAMETER)


# -- the scan ------------------------------------------------------------------------------------

def _text(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _prefixes(modules: list[Module]) -> list[tuple[str, str, int]]:
    """Every code prefix: (prefix, file, line) of each `code_prefix=` literal and parameter default."""
    found: list[tuple[ast.expr | None, str]] = []
    for module in modules:
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Call):
                found += [(k.value, module.file) for k in node.keywords if k.arg == PREFIX_PARAMETER]
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found += [(default, module.file) for default in _prefix_defaults(node)]
    return [(text, file, value.lineno) for value, file in found
            if value is not None and (text := _text(value)) is not None]


def _prefix_defaults(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr | None]:
    args = node.args
    pairs: list[tuple[ast.arg, ast.expr | None]] = list(zip(args.kwonlyargs, args.kw_defaults, strict=True))
    pairs += list(zip(args.args[len(args.args) - len(args.defaults):], args.defaults, strict=True))
    return [default for arg, default in pairs if arg.arg == PREFIX_PARAMETER]


def _emitter_for(call: Call, parameter: str, prefixed: bool) -> Emitter:
    function = call.function
    assert function.node is not None  # a parameter belongs to a function
    positional = function.parameters
    index = positional.index(parameter) if parameter in positional else None
    return Emitter(function.node.name, call.module.name, function.owner, index, parameter, prefixed)


class _Scan:
    def __init__(self, modules: list[Module], seeds: tuple[Emitter, ...]):
        self.modules = {module.name: module for module in modules}
        self.calls = [call for module in modules for call in _calls(module)]
        self.emitters: list[Emitter] = list(seeds)
        self.prefixes = _prefixes(modules)
        self.lengths = _Lengths(modules)

    def run(self) -> ScanResult:
        while self._grow():
            pass
        emissions: list[Emission] = []
        unresolved: list[Unresolved] = []
        for call, emitter, found in self._matches():
            for expr in found.unresolved:
                unresolved.append(Unresolved(call.module.file, expr.lineno, ast.unparse(expr)))
            emissions += self._emissions(call, emitter, found)
        return ScanResult(sorted(set(emissions), key=lambda e: (e.code, e.file, e.line)),
                          sorted(set(unresolved), key=lambda u: (u.file, u.line)))

    def _matches(self) -> Iterator[tuple[Call, Emitter, _Found]]:
        for call in self.calls:
            for emitter in _candidates(call, self.emitters, self.modules):
                argument = _argument(call, emitter, self.lengths)
                if argument is not None:
                    yield call, emitter, _Resolver(call.function, call.module).resolve(argument)

    def _grow(self) -> bool:
        """Add the functions that pass a parameter on as a code; whether any was new."""
        new = False
        for call, emitter, found in list(self._matches()):
            for parameter, prefixed in found.parameters:
                grown = _emitter_for(call, parameter, prefixed or emitter.prefixed)
                if grown not in self.emitters:
                    self.emitters.append(grown)
                    new = True
        return new

    def _emissions(self, call: Call, emitter: Emitter, found: _Found) -> list[Emission]:
        if not emitter.prefixed:
            return [Emission(code, call.module.file, line) for code, line in found.literals]
        return [Emission(prefix + code, call.module.file, line, f"with {PREFIX_PARAMETER} {prefix!r} from {file}:{at}")
                for code, line in found.literals for prefix, file, at in self.prefixes]


def scan(root: Path = ENGINE, seeds: tuple[Emitter, ...] = SEEDS) -> ScanResult:
    """The codes emitted by the Python files under root (default: the engine package), starting from the
    constructors `seeds` (default: diagnostics; `LIMIT_SEEDS`: the reasons of `pack-limit`)."""
    modules = [_read_module(path, root.parent) for path in sorted(root.rglob("*.py"))]
    return _Scan(modules, seeds).run()
