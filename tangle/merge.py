"""Merging exported cells into modules: imports on top, one definition per name, and one
`class` statement per class, holding the members every chapter added to it in book order.

Each name of a module is defined once, by a definition or by an import (the same import may
come again): in the package the imports run first and the definitions after them, while in
a notebook the cells run in book order, so a name bound twice would mean one thing in the
book and another in the package.

The source text of each definition is copied as written (comments included); `ast` is used
only to find where statements start and end. The imports are rewritten (see `imports`).
"""

import ast
import io
import tokenize
from dataclasses import dataclass, field

from .chapters import TangleError
from .imports import ImportBlock
from .rules import EXTEND, RuleError, check_extension, replaced_names

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
    """A top-level function or assignment, as written, and the chapter it comes from."""

    source: str
    chapter: str
    is_assignment: bool = False
    tight: bool = False

    def text(self):
        return self.source

    def chapters(self):
        return {self.chapter}

    def pieces(self):
        return [(self.chapter, self.source)]


@dataclass
class ClassDefinition:
    """A class being assembled: its header (decorators, `class` line, docstring) and its
    members by name, in book order, each with the chapter it comes from."""

    name: str
    header: str
    chapter: str
    members: dict = field(default_factory=dict)  # {name: (text, chapter)}
    where: dict = field(default_factory=dict)
    # The names in its `__slots__`, when they are written as a literal.
    slots: tuple = ()
    # The class attributes written directly below another one, with no blank line between:
    # they stay together, as a block of constants does at module level.
    tight: set = field(default_factory=set)

    def add(self, name, member, chapter):
        self.members[name] = (member.text, chapter)
        self.where[name] = member.where
        if member.tight and _assigned_names(member.node):
            self.tight.add(name)
        else:
            self.tight.discard(name)

    def text(self):
        members = "".join(
            ("" if i == 0 else "\n" if name in self.tight else "\n\n") + text
            for i, (name, (text, _)) in enumerate(self.members.items())
        )
        # Blank lines as `ruff format` wants them (`make lint` checks the package): one
        # after a class docstring, none between the `class` line and the first member.
        if ast.get_docstring(ast.parse(self.header + "\n    pass").body[0]) is not None:
            return f"{self.header}\n\n{members}" if members else self.header
        return f"{self.header}\n{members or '    pass'}"

    def chapters(self):
        return {self.chapter} | {chapter for _, chapter in self.members.values()}

    def pieces(self):
        return [(self.chapter, self.header)] + [
            (chapter, text) for text, chapter in self.members.values()
        ]


@dataclass(frozen=True)
class _Name:
    """Where a module-level name is defined, and for an import what it binds it to."""

    where: str
    imported: tuple = None


class Module:
    """One module of the package, assembled from the cells exported to it."""

    def __init__(self, name, package, line_length=88):
        self.name = name
        self.package = package
        self.imports = ImportBlock(package, line_length)
        self.definitions = {}
        self.names = {}
        # The chapters that exported cells to this module, in book order.
        self.chapters = []

    def add_cell(self, cell):
        chapter = cell.chapter.as_posix()
        if chapter not in self.chapters:
            self.chapters.append(chapter)
        for statement in statements(cell):
            self._add(cell, statement)

    def pieces(self):
        """The module's code in its order, as (chapter, text): each definition, and each
        member of a class, with the chapter it comes from (the imports come first, as
        (None, text), since each chapter brings its own)."""
        imports = self.imports.text()
        pieces = [(None, imports)] if imports else []
        for definition in self.definitions.values():
            pieces += definition.pieces()
        return pieces

    def sources(self):
        """The chapters whose code is in the module, in book order."""
        found = self.imports.chapters()
        for definition in self.definitions.values():
            found |= definition.chapters()
        return [chapter for chapter in self.chapters if chapter in found]

    def _add(self, cell, statement):
        node = statement.node
        chapter = cell.chapter.as_posix()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            self._import(cell, statement)
        elif isinstance(node, ast.ClassDef) and (
            extension := _extension(node, statement.where)
        ):
            self._extend(cell, node, *extension, statement.where)
        elif isinstance(node, ast.ClassDef):
            definition = _class_definition(cell, node, statement)
            self._define(node.name, definition, statement.where)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            _refuse_extend_on_a_function(node, statement.where)
            self._define(
                node.name, Definition(statement.text, chapter), statement.where
            )
        elif names := _assigned_names(node):
            for name in names[:-1]:
                self._define(name, None, statement.where)
            assignment = Definition(statement.text, chapter, True, statement.tight)
            self._define(names[-1], assignment, statement.where)
        else:
            raise TangleError(
                f"{statement.where}: an exported cell may hold only imports and definitions "
                "(def, class, NAME = ...); move this statement to a cell without an export tag"
            )

    def _import(self, cell, statement):
        node = statement.node
        if isinstance(node, ast.ImportFrom) and node.names[0].name == "*":
            raise TangleError(
                f"{statement.where}: `import *` hides which names it binds, so the tangler "
                "cannot keep them from clashing with the package's; import the names the "
                "code uses"
            )
        if _has_comment("\n".join(statement.code)):
            raise TangleError(
                f"{statement.where}: a comment inside an import cannot follow it into the "
                "package, where the imports of every chapter are merged and sorted; write "
                "it on a line of its own above the import"
            )
        comments = [line.strip() for line in statement.preamble if line.strip()]
        chapter = cell.chapter.as_posix()
        for binding in self.imports.add(node, comments, chapter, cell.where):
            self._bind(binding.name, binding.where, binding.target)

    def _define(self, name, definition, where):
        self._bind(name, where)
        if definition is not None:
            self.definitions[name] = definition

    def _bind(self, name, where, imported=None):
        """Record that `name` is defined at `where` (by an import, if `imported` says to
        what), or refuse a second meaning for it."""
        earlier = self.names.get(name)
        if earlier is None:
            self.names[name] = _Name(where, imported)
            return
        if imported is not None and earlier.imported == imported:
            return  # the same import again: it means the same
        if imported is not None:
            what = "imported" if earlier.imported else "exported"
            raise TangleError(
                f"{where}: this import binds `{name}`, which is already {what} at "
                f"{earlier.where}; a name is defined once in a module: import it under "
                "another name (`as ...`)"
            )
        if earlier.imported is not None:
            raise TangleError(
                f"{where}: `{name}` is already imported at {earlier.where}; a name is "
                "defined once in a module: give this definition another name, or import "
                "under another name (`as ...`)"
            )
        raise TangleError(
            f"{where}: `{name}` is already exported at {earlier.where}; a name is "
            f"defined once (to add methods to a class, use @{EXTEND}(ClassName))"
        )

    def _extend(self, cell, node, target, replaces, where):
        definition = self.definitions.get(target)
        if not isinstance(definition, ClassDefinition):
            raise TangleError(
                f"{where}: @{EXTEND}({target}) adds methods to `{target}`, but no earlier "
                f"exported cell defines `class {target}` in module `{self.name}`"
            )
        docstring = ast.get_docstring(node) is not None
        body = node.body[1:] if docstring else node.body
        added = members(cell, body, node.lineno, target)
        try:
            check_extension(
                target,
                node.name,
                existing=definition.members,
                added=list(added),
                replaces=replaces,
                docstring=docstring,
                bases=bool(node.bases or node.keywords),
                slots=definition.slots,
            )
        except RuleError as error:
            if error.member is None:
                raise TangleError(f"{where}: {error}") from None
            message = f"{added[error.member].where}: {error}"
            if error.member in definition.where:
                message += f"; it is defined at {definition.where[error.member]}"
            raise TangleError(message) from None
        chapter = cell.chapter.as_posix()
        for name, member in added.items():
            definition.add(name, member, chapter)

    def text(self, docstring):
        """The module's text below its header line: docstring, imports, definitions."""
        text = f'"""{docstring}"""'
        imports = self.imports.text()
        if imports:
            text += f"\n\n{imports}"
        previous = IMPORTS if imports else None
        for definition in self.definitions.values():
            text += _separator(previous, definition) + definition.text()
            previous = definition
        return text + "\n"


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


def _has_comment(code):
    tokens = tokenize.generate_tokens(io.StringIO(code).readline)
    return any(token.type == tokenize.COMMENT for token in tokens)


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
            _refuse_extend_on_a_function(node, statement.where)
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
    chapter = cell.chapter.as_posix()
    definition = ClassDefinition(node.name, header, chapter)
    for name, member in members(cell, body, header_end, node.name).items():
        definition.add(name, member, chapter)
        if name == "__slots__":
            definition.slots = _literal_names(member.node.value)
    return definition


def _literal_names(node):
    """The names a literal string or sequence of strings gives, or () if it is not one."""
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError):
        return ()
    names = (value,) if isinstance(value, str) else value
    if isinstance(names, (tuple, list)) and all(isinstance(n, str) for n in names):
        return tuple(names)
    return ()


def _first_line(node):
    """A statement's first line: that of its first decorator, if it has any."""
    return min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])


def _extend_call(node):
    """The `@extend(...)` decorator of `node`, or None."""
    for decorator in getattr(node, "decorator_list", []):
        function = getattr(decorator, "func", None)
        if isinstance(function, ast.Name) and function.id == EXTEND:
            return decorator
    return None


def _refuse_extend_on_a_function(node, where):
    """`@extend` decorates a class; the package would keep it above a function."""
    call = _extend_call(node)
    if call is not None:
        target = ast.unparse(call.args[0]) if call.args else "..."
        try:
            check_extension(target, node.name, is_class=False)
        except RuleError as error:
            raise TangleError(f"{where}: {error}") from None


def _extension(node, where):
    """(target, replaces) if `node` is `@extend(Target, replaces=[...]) class ...:`."""
    call = _extend_call(node)
    if call is None:
        return None
    if (
        len(node.decorator_list) > 1
        or len(call.args) != 1
        or not isinstance(call.args[0], ast.Name)
        or any(keyword.arg != "replaces" for keyword in call.keywords)
    ):
        raise TangleError(
            f"{where}: write @{EXTEND}({node.name}) or "
            f"@{EXTEND}({node.name}, replaces=['method', ...]), with no other decorators"
        )
    target = call.args[0].id
    replaces = []
    for keyword in call.keywords:
        try:
            value = ast.literal_eval(keyword.value)
        except (ValueError, TypeError):
            value = None  # not a literal: replaced_names explains what to write
        try:
            replaces = replaced_names(target, value)
        except RuleError as error:
            raise TangleError(f"{where}: {error}") from None
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
