"""Merging exported cells into modules: imports on top, one definition per name, and one
`class` statement per class, holding the methods every chapter added to it in book order.
The imports are put in isort's order (and ruff's), whichever chapter brought each one.

The source text of each statement is copied as written (comments included); `ast` is used
only to find where statements start and end.
"""

import ast
import sys
from dataclasses import dataclass, field

from .chapters import TangleError

EXTEND = "extend"
REPLACE = "replace"

# isort's sections, in this order, with a blank line between two of them.
FUTURE, STANDARD_LIBRARY, THIRD_PARTY, FIRST_PARTY, RELATIVE = range(5)
# What a module's first definition follows when the module has imports.
IMPORTS = object()


@dataclass
class Statement:
    """One statement: its node, the comment lines written above it, its own lines."""

    node: ast.stmt
    start: int
    preamble: list
    code: list
    where: str
    # Directly below the previous statement of its cell, with no blank line between.
    tight: bool = False

    @property
    def text(self):
        return "\n".join(self.preamble + self.code)


@dataclass
class Definition:
    """A top-level function or assignment, as written."""

    source: str
    is_assignment: bool = False
    tight: bool = False

    def text(self):
        return self.source


@dataclass
class ClassDefinition:
    """A class being assembled: its header (decorators, `class` line, docstring) and its
    members by name, in book order."""

    name: str
    header: str
    members: dict = field(default_factory=dict)
    where: dict = field(default_factory=dict)

    def text(self):
        members = "\n\n".join(self.members.values())
        # Blank lines as `ruff format` wants them (`make lint` checks the package): one
        # after a class docstring, none between the `class` line and the first member.
        if ast.get_docstring(ast.parse(self.header + "\n    pass").body[0]) is not None:
            return f"{self.header}\n\n{members}" if members else self.header
        return f"{self.header}\n{members or '    pass'}"


@dataclass
class Module:
    """One module of the package, assembled from the cells exported to it."""

    name: str
    package: str
    chapters: list = field(default_factory=list)
    # {the import's code: (where isort puts it, its text with any comment above it)}
    imports: dict = field(default_factory=dict)
    definitions: dict = field(default_factory=dict)
    where: dict = field(default_factory=dict)

    def add_cell(self, cell):
        chapter = cell.chapter.as_posix()
        if chapter not in self.chapters:
            self.chapters.append(chapter)
        for statement in statements(cell):
            self._add(cell, statement)

    def _add(self, cell, statement):
        node = statement.node
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            code = "\n".join(statement.code)
            if code not in self.imports:
                order = _import_order(node, self.package)
                self.imports[code] = (order, statement.text)
        elif _is_replacement(node, statement.where):
            self._replace(cell, node, statement)
        elif isinstance(node, ast.ClassDef) and (
            extension := _extension(node, statement.where)
        ):
            self._extend(cell, node, *extension, statement.where)
        elif isinstance(node, ast.ClassDef):
            self._define(
                node.name, _class_definition(cell, node, statement), statement.where
            )
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self._define(node.name, Definition(statement.text), statement.where)
        elif names := _assigned_names(node):
            for name in names[:-1]:
                self._define(name, None, statement.where)
            assignment = Definition(statement.text, True, statement.tight)
            self._define(names[-1], assignment, statement.where)
        else:
            raise TangleError(
                f"{statement.where}: an exported cell may hold only imports and definitions "
                "(def, class, NAME = ...); move this statement to a cell without an export tag"
            )

    def _define(self, name, definition, where):
        if name in self.where:
            raise TangleError(
                f"{where}: `{name}` is already exported at {self.where[name]}; a name is "
                f"defined once (to add methods to a class, use @{EXTEND}(ClassName))"
            )
        self.where[name] = where
        if definition is not None:
            self.definitions[name] = definition

    def _replace(self, cell, node, statement):
        """`@replace(Name)`: a new definition takes the place of the old one, as written
        without the decorator, which only matters in the notebook."""
        name = node.name
        if self.definitions.get(name) is None:
            raise TangleError(
                f"{statement.where}: @{REPLACE}({name}) replaces `{name}`, but no earlier "
                f"exported cell defines `{name}` in module `{self.name}`"
            )
        statement.start = node.lineno
        statement.code = statement.code[-(node.end_lineno - node.lineno + 1) :]
        if isinstance(node, ast.ClassDef):
            definition = _class_definition(cell, node, statement)
        else:
            definition = Definition(statement.text)
        self.definitions[name] = definition
        self.where[name] = statement.where

    def _extend(self, cell, node, target, replaces, where):
        definition = self.definitions.get(target)
        if not isinstance(definition, ClassDefinition):
            raise TangleError(
                f"{where}: @{EXTEND}({target}) adds methods to `{target}`, but no earlier "
                f"exported cell defines `class {target}` in module `{self.name}`"
            )
        if ast.get_docstring(node) is not None:
            raise TangleError(
                f"{where}: the body of @{EXTEND}({target}) holds methods only; the class "
                "docstring belongs to the cell that first defines the class"
            )
        added = members(cell, node.body, node.lineno, target)
        for name in replaces - added.keys():
            raise TangleError(
                f"{where}: replaces=[{name!r}], but this body does not define `{name}`"
            )
        for name, member in added.items():
            if name in definition.members and name not in replaces:
                raise TangleError(
                    f"{member.where}: `{target}.{name}` is already exported at "
                    f"{definition.where[name]}; to replace it on purpose, write "
                    f"@{EXTEND}({target}, replaces=[{name!r}])"
                )
            if name in replaces and name not in definition.members:
                raise TangleError(
                    f"{member.where}: replaces=[{name!r}], but `{target}` has no `{name}` "
                    "to replace"
                )
            definition.members[name] = member.text
            definition.where[name] = member.where

    def text(self, header, docstring):
        text = f'{header}\n"""{docstring}"""'
        section = None
        for order, import_text in sorted(self.imports.values()):
            text += "\n\n" if order[0] != section else "\n"
            text += import_text
            section = order[0]
        previous = IMPORTS if self.imports else None
        for definition in self.definitions.values():
            text += _separator(previous, definition) + definition.text()
            previous = definition
        return text + "\n"


def _import_order(node, package):
    """Where isort puts an import: by section, then `import x` before `from x import y`,
    then by module name. (Python accepts `from __future__` only on top, even when a later
    chapter brings it.)"""
    if isinstance(node, ast.Import):
        module, is_from = node.names[0].name, False
    else:
        module, is_from = "." * node.level + (node.module or ""), True
    top = module.split(".")[0]
    if top == "__future__":
        section = FUTURE
    elif not top:
        section = RELATIVE
    elif top == package:
        section = FIRST_PARTY
    elif top in sys.stdlib_module_names:
        section = STANDARD_LIBRARY
    else:
        section = THIRD_PARTY
    return section, is_from, module.lower()


def _separator(previous, definition):
    """Two blank lines around functions and classes; between assignments, the spacing
    their cell had (none or one blank line), so a block of constants stays a block; and
    one blank line from the imports to an assignment, as isort leaves it."""
    if isinstance(definition, Definition) and definition.is_assignment:
        if previous is IMPORTS:
            return "\n\n"
        if isinstance(previous, Definition) and previous.is_assignment:
            return "\n" if definition.tight else "\n\n"
    return "\n\n\n"


def statements(cell, body=None, previous_end=0, indent=0):
    """Each statement of a cell (or of a class body) with its text and location."""
    lines = cell.source.splitlines()
    if body is None:
        try:
            body = ast.parse(cell.source).body
        except SyntaxError as error:
            raise TangleError(
                f"{cell.where(error.lineno or 1)}: syntax error in an exported cell: {error.msg}"
            ) from None
    result = []
    for node in body:
        start = _first_line(node)
        if start <= previous_end:
            raise TangleError(
                f"{cell.where(start)}: write one statement per line in an exported cell"
            )
        if node.col_offset != indent:
            raise TangleError(
                f"{cell.where(node.lineno)}: indent class bodies by {indent} spaces in an "
                "exported cell, so that they merge into the package's class"
            )
        between = lines[previous_end : start - 1]
        tight = bool(result) and all(line.strip() for line in between)
        code = lines[start - 1 : node.end_lineno]
        result.append(
            Statement(node, start, _trim_blank(between), code, cell.where(start), tight)
        )
        previous_end = node.end_lineno
    if indent == 0 and _trim_blank(lines[previous_end:]):
        comment = next(i for i in range(previous_end, len(lines)) if lines[i].strip())
        raise TangleError(
            f"{cell.where(comment + 1)}: a comment after the last statement of an exported "
            "cell belongs to no definition; move it above the statement it explains"
        )
    return result


def members(cell, body, class_line, class_name):
    """The members of a class body by name: methods and class attributes."""
    found = {}
    for statement in statements(cell, body, class_line, indent=4):
        node = statement.node
        if isinstance(node, ast.Pass):
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names = [node.name]
        else:
            names = _assigned_names(node)
        if not names:
            raise TangleError(
                f"{statement.where}: a class body in an exported cell may hold only methods "
                "and attributes (NAME = ...)"
            )
        for name in names:
            if name in found:
                raise TangleError(
                    f"{statement.where}: `{class_name}.{name}` is defined twice in one cell"
                )
            found[name] = statement
    return found


def _class_definition(cell, node, statement):
    """Split a new class into its header and its members."""
    lines = cell.source.splitlines()
    body = node.body
    header_end = node.lineno
    if ast.get_docstring(node) is not None:
        header_end = body[0].end_lineno
        body = body[1:]
    elif body:
        # A signature may span lines: the header ends where the first member's text begins
        # (its decorators included).
        header_end = _first_line(body[0]) - 1
        while header_end > node.lineno and (
            not lines[header_end - 1].strip()
            or lines[header_end - 1].strip().startswith("#")
        ):
            header_end -= 1
    header = "\n".join(statement.preamble + lines[statement.start - 1 : header_end])
    definition = ClassDefinition(node.name, header)
    for name, member in members(cell, body, header_end, node.name).items():
        definition.members[name] = member.text
        definition.where[name] = member.where
    return definition


def _first_line(node):
    """A statement's first line: that of its first decorator, if it has any."""
    return min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])


def _decorator_call(node, name):
    """The first decorator of `node` that calls `name`, as in `@name(...)`, or None."""
    for decorator in getattr(node, "decorator_list", []):
        function = getattr(decorator, "func", None)
        if isinstance(function, ast.Name) and function.id == name:
            return decorator
    return None


def _is_replacement(node, where):
    """Whether `node` is `@replace(Name)` above `def Name` or `class Name`."""
    call = _decorator_call(node, REPLACE)
    if call is None:
        return False
    if (
        len(node.decorator_list) > 1
        or call.keywords
        or [type(arg) for arg in call.args] != [ast.Name]
        or call.args[0].id != node.name
        or call.lineno != call.end_lineno
    ):
        raise TangleError(
            f"{where}: write @{REPLACE}({node.name}) on one line, alone, directly above "
            f"the new `{node.name}`"
        )
    return True


def _extension(node, where):
    """(target, replaces) if `node` is `@extend(Target, replaces=[...]) class Target:`."""
    call = _decorator_call(node, EXTEND)
    if call is None:
        return None
    usage = f"write @{EXTEND}({node.name}) or @{EXTEND}({node.name}, replaces=['method', ...])"
    if (
        len(node.decorator_list) > 1
        or len(call.args) != 1
        or not isinstance(call.args[0], ast.Name)
    ):
        raise TangleError(f"{where}: {usage}, with no other decorators")
    target = call.args[0].id
    if target != node.name:
        raise TangleError(
            f"{where}: @{EXTEND}({target}) must decorate `class {target}:`"
        )
    replaces = set()
    for keyword in call.keywords:
        value = keyword.value
        items = (
            value.elts if isinstance(value, (ast.List, ast.Tuple, ast.Set)) else [value]
        )
        if keyword.arg != "replaces" or not all(
            isinstance(item, ast.Constant) and isinstance(item.value, str)
            for item in items
        ):
            raise TangleError(f"{where}: {usage}")
        replaces = {item.value for item in items}
    return target, replaces


def _assigned_names(node):
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign):
        targets = [node.target]
    else:
        return []
    if all(isinstance(target, ast.Name) for target in targets):
        return [target.id for target in targets]
    return []


def _trim_blank(lines):
    lines = list(lines)
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines
