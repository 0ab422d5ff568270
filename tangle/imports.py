"""The imports of a module: every chapter's, merged and written as ruff's isort rule wants.

A chapter imports what its own cells need, so two chapters often import the same module, or
different names from it. In the package each import appears once, at the top: `import a, b`
becomes two lines, `from x import a` and `from x import b` become `from x import a, b`, and
the statements come in isort's order with the settings `make lint` checks (ruff's defaults):
sections (future, standard library, third party, this package, relative imports) one blank
line apart; `import x` before `from x import y`; modules and names in natural order, ignoring
case; constants, then classes, then the other names; `from x import a as b` on its own line;
a line longer than the limit wrapped in parentheses, one name a line. A comment above an
import stays above it. Nothing here depends on ruff, which readers of the book do not have.
"""

import ast
import functools
import sys
from dataclasses import dataclass, field

FUTURE, STANDARD_LIBRARY, THIRD_PARTY, FIRST_PARTY, LOCAL_FOLDER = range(5)
INDENT = "    "
DIGITS = frozenset("0123456789")

# The standard library of Python 3.10, the oldest the package supports (ruff's target-version,
# py310), whichever Python runs the tangler: the package must not change with it.
ADDED_AFTER_3_10 = {
    "_apple_support", "_colorize", "_hmac", "_interpchannels", "_interpqueues",
    "_interpreters", "_ios_support", "_math_integer", "_opcode_metadata", "_pydatetime",
    "_pylong", "_pyrepl", "_remote_debugging", "_sha2", "_suggestions", "_sysconfig",
    "_testclinic_limited", "_testexternalinspection", "_testlimitedcapi",
    "_testsinglephase", "_tokenize", "_typing", "_wmi", "_xxinterpchannels", "_zstd",
    "annotationlib", "compression", "profiling", "tomllib",
}  # fmt: skip
REMOVED_AFTER_3_10 = {
    "_crypt", "_msi", "_xxsubinterpreters", "aifc", "asynchat", "asyncore", "audioop",
    "cgi", "cgitb", "chunk", "crypt", "distutils", "imghdr", "imp", "lib2to3", "mailcap",
    "msilib", "nis", "nntplib", "ossaudiodev", "pipes", "smtpd", "sndhdr", "spwd", "sunau",
    "telnetlib", "uu", "xdrlib",
}  # fmt: skip
STANDARD_LIBRARY_3_10 = (
    frozenset(sys.stdlib_module_names) | REMOVED_AFTER_3_10
) - ADDED_AFTER_3_10


@dataclass(frozen=True)
class Binding:
    """A name an import binds, what it binds it to, and where (`book/chapter.md:LINE`)."""

    name: str
    target: tuple
    where: str


@dataclass
class _Statement:
    """One import statement of the output: the comments above it, and for a `from` import
    its names ({(name, asname): chapter}); each with the chapter it came from."""

    comments: list = field(default_factory=list)
    names: dict = field(default_factory=dict)
    chapter: str = ""


class ImportBlock:
    """The imports of one module, gathered from the cells in book order."""

    def __init__(self, package, line_length):
        self.package = package
        self.line_length = line_length
        self.straight = {}  # {(module, asname): _Statement}
        self.from_imports = {}  # {(level, module): _Statement}
        self.from_as = {}  # {(level, module, name, asname): _Statement}

    def add(self, node, comments, chapter, where):
        """Add an `import` or `from ... import` node; returns the Bindings it makes.

        `comments` are the comment lines written above it; `where(line)` locates a line
        of its cell.
        """
        bindings = []
        for index, alias in enumerate(node.names):
            line = where(getattr(alias, "lineno", node.lineno))
            statement = self._statement(node, alias, chapter)
            if index == 0:  # as isort does, the comments go with the first name
                statement.comments.extend((comment, chapter) for comment in comments)
            if isinstance(node, ast.Import):
                name = alias.asname or alias.name.split(".")[0]
                target = ("module", alias.name if alias.asname else name)
            else:
                statement.names.setdefault((alias.name, alias.asname), chapter)
                name = alias.asname or alias.name
                target = ("from", node.level, node.module, alias.name)
            bindings.append(Binding(name, target, line))
        return bindings

    def _statement(self, node, alias, chapter):
        if isinstance(node, ast.Import):
            key, table = (alias.name, alias.asname), self.straight
        elif alias.asname is None:
            key, table = (node.level, node.module), self.from_imports
        else:
            key = (node.level, node.module, alias.name, alias.asname)
            table = self.from_as
        return table.setdefault(key, _Statement(chapter=chapter))

    def chapters(self):
        """The chapters whose text the imports hold: each name's first, each comment's."""
        found = set()
        for statement in self._all():
            found.add(statement.chapter)
            found.update(statement.names.values())
            found.update(chapter for _, chapter in statement.comments)
        return found

    def _all(self):
        return [
            *self.straight.values(),
            *self.from_imports.values(),
            *self.from_as.values(),
        ]

    def text(self):
        """The import block, one blank line between sections; "" when there are none."""
        sections = {}
        for (module, asname), statement in self.straight.items():
            key = _module_key(module, asname, 0, None, straight=True)
            line = f"import {module}" + (f" as {asname}" if asname else "")
            sections.setdefault(self._section(module, 0), []).append(
                (key, statement.comments, line)
            )
        froms = [
            (level, module, statement, list(statement.names))
            for (level, module), statement in self.from_imports.items()
        ] + [
            (level, module, statement, [(name, asname)])
            for (level, module, name, asname), statement in self.from_as.items()
        ]
        for level, module, statement, names in froms:
            names = sorted(names, key=_member_key)
            key = _module_key(module, None, level, names[0], straight=False)
            line = self._from_line("." * level + (module or ""), names)
            sections.setdefault(self._section(module, level), []).append(
                (key, statement.comments, line)
            )
        blocks = []
        for section in sorted(sections):
            lines = []
            statements = sorted(sections[section], key=lambda statement: statement[0])
            for index, (_, comments, line) in enumerate(statements):
                if comments and index:
                    lines.append("")
                lines.extend(comment for comment, _ in comments)
                lines.append(line)
            blocks.append("\n".join(lines))
        return "\n\n".join(blocks)

    def _section(self, module, level):
        top = (module or "").split(".")[0]
        if level:
            return LOCAL_FOLDER
        if top == "__future__":
            return FUTURE
        if top == self.package:
            return FIRST_PARTY
        if top in STANDARD_LIBRARY_3_10:
            return STANDARD_LIBRARY
        return THIRD_PARTY

    def _from_line(self, module, names):
        written = [name + (f" as {asname}" if asname else "") for name, asname in names]
        line = f"from {module} import {', '.join(written)}"
        if len(line) <= self.line_length:
            return line
        inside = "".join(f"{INDENT}{name},\n" for name in written)
        return f"from {module} import (\n{inside})"


def _module_key(module, asname, level, first_name, straight):
    """isort's (and ruff's) order of two statements of one section."""
    return (
        # `from __future__ import x` before `import __future__`; elsewhere the other way.
        0 if straight != (module == "__future__") else 1,
        -level,  # the furthest relative import first: `..` before `.`
        _Natural((module or "").lower()),
        _Natural(module or ""),
        _member_key(first_name) if first_name else (),
        _Natural(asname or ""),
    )


def _member_key(alias):
    """The order of the names in `from x import ...`: constants, classes, the rest."""
    name, asname = alias
    if len(name) > 1 and name.isupper():
        kind = 0
    elif name[:1].isupper():
        kind = 1
    else:
        kind = 2
    return (kind, _Natural(name.lower()), _Natural(name), _Natural(asname or ""))


@functools.total_ordering
class _Natural:
    """A string in natural order, as ruff compares names: `a2` before `a10`. A run of digits
    counts by its value, unless either run starts with 0: then digit by digit."""

    def __init__(self, text):
        self.text = text

    def __eq__(self, other):
        return self.text == other.text

    def __lt__(self, other):
        return _natural_compare(self.text, other.text) < 0


def _natural_compare(a, b):
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i] in DIGITS and b[j] in DIGITS:
            run_a = _digits(a, i)
            run_b = _digits(b, j)
            if run_a[0] == "0" or run_b[0] == "0":
                order = (run_a > run_b) - (run_a < run_b)
            else:
                order = _compare_numbers(run_a, run_b)
            if order:
                return order
            i, j = i + len(run_a), j + len(run_b)
            continue
        if a[i] != b[j]:
            return -1 if a[i] < b[j] else 1
        i, j = i + 1, j + 1
    return (i < len(a)) - (j < len(b))


def _digits(text, start):
    end = start
    while end < len(text) and text[end] in DIGITS:
        end += 1
    return text[start:end]


def _compare_numbers(a, b):
    if len(a) != len(b):
        return -1 if len(a) < len(b) else 1
    return (a > b) - (a < b)
