"""Reading the book: the chapter order from `_toc.yml` and the code cells of each chapter.

A file that Jupyter's tools would read differently from the tangler is refused here, with
its line, rather than tangled into something the notebook does not run.
"""

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

EXPORT_TAG = "export:"
FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
CELL_OPTION = re.compile(r"^:(?P<key>[\w-]+):(?P<value>.*)$")
# Characters jupytext cannot read (it hands the whole chapter to PyYAML, which refuses them)
# or reads as line breaks where Python does not (NEL, LINE and PARAGRAPH SEPARATOR).
UNREADABLE = re.compile(
    "[^\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
YAML_STRING = "tag:yaml.org,2002:str"


class TangleError(Exception):
    """Bad input in the book; the message names the file and line to fix."""


@dataclass(frozen=True)
class Cell:
    """A code cell: where its source starts in the chapter file, its source and its tags,
    and the line that gives the tags (the `{code-cell}` line if it has none)."""

    chapter: Path
    line: int
    source: str
    tags: tuple[str, ...]
    tags_line: int

    def where(self, line_in_cell=1):
        """`book/chapter.md:LINE` for a line of this cell (1 is the cell's first line)."""
        return f"{self.chapter.as_posix()}:{self.line + line_in_cell - 1}"

    def where_tags(self):
        """`book/chapter.md:LINE` for the cell's tags: a wrong tag is fixed there."""
        return f"{self.chapter.as_posix()}:{self.tags_line}"

    @property
    def module(self):
        """The module this cell is exported to (`export:engine` -> "engine"), or None."""
        modules = [
            tag[len(EXPORT_TAG) :] for tag in self.tags if tag.startswith(EXPORT_TAG)
        ]
        if "export" in self.tags or "" in modules:
            raise TangleError(
                f"{self.where_tags()}: the tag `export` needs a module name, as in `export:engine`"
            )
        if len(modules) > 1:
            raise TangleError(
                f"{self.where_tags()}: a cell is exported to one module, not {modules}"
            )
        return modules[0] if modules else None


def read_text(root, path):
    """The text of a file of the book (`path` relative to `root`), with `\\n` line ends.

    Undecodable bytes and characters that Jupyter's tools cannot read are errors, with their
    line, so that every later step can trust the text.
    """
    name = Path(path).as_posix()
    try:
        data = (root / path).read_bytes()
    except OSError as error:
        raise TangleError(f"{name}: cannot be read: {error.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise TangleError(
            f"{name}:{line}: not UTF-8 (the byte {data[error.start]:#04x} cannot be decoded); "
            "save the file as UTF-8"
        ) from None
    # Universal newlines, as Python's open() and jupytext read a file.
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if found := UNREADABLE.search(text):
        line = text.count("\n", 0, found.start()) + 1
        character = found.group()
        description = unicodedata.name(character, "a control character")
        raise TangleError(
            f"{name}:{line}: holds U+{ord(character):04X} ({description}), which Jupyter's "
            f"tools cannot read or take for a line break; remove it (in a string, write the "
            f"escape \\u{ord(character):04x} instead)"
        )
    return text


def chapter_paths(root):
    """The book's files in reading order, as listed in `_toc.yml`, relative to `root`."""
    if not (root / "_toc.yml").is_file():
        raise TangleError("_toc.yml: not found; the book's chapter order comes from it")
    text = read_text(root, "_toc.yml")
    try:
        toc = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        # At the end of the file, the line where the unclosed part opened says more.
        if mark and mark.line >= text.count("\n") and error.context_mark:
            mark = error.context_mark
        line = f":{mark.line + 1}" if mark else ""
        context = f" ({error.context})" if getattr(error, "context", None) else ""
        problem = getattr(error, "problem", None) or error
        raise TangleError(
            f"_toc.yml{line}: not valid YAML: {problem}{context}"
        ) from None
    if not isinstance(toc, yaml.MappingNode):
        line = toc.start_mark.line + 1 if toc else 1
        raise TangleError(
            f"_toc.yml:{line}: the table of contents is a mapping of `format:`, `root:` "
            "and `parts:` or `chapters:`, not " + _shape(toc)
        )
    root_entry = _value(toc, "root")
    if root_entry is None:
        raise TangleError(
            "_toc.yml:1: no `root:` entry; the book starts with it (root: book/index)"
        )
    entries = [(_file_name(root_entry), _line(root_entry))]
    entries.extend(_toc_files(toc))
    paths, first_seen = [], {}
    for entry, line in entries:
        path = _resolve(root, entry, line)
        if path in first_seen:
            raise TangleError(
                f"_toc.yml:{line}: lists `{entry}` again (first on line {first_seen[path]}); "
                "a chapter has one place in the book"
            )
        first_seen[path] = line
        paths.append(path)
    return paths


def _toc_files(node):
    """(`file:` entry, line) below one `_toc.yml` node, depth first, in order."""
    for key, children in _items(node):
        if (
            key not in ("parts", "chapters", "sections")
            or _shape(children) == "nothing"
        ):
            continue
        if not isinstance(children, yaml.SequenceNode):
            raise TangleError(
                f"_toc.yml:{_line(children)}: `{key}:` holds a list of entries "
                f"(`- file: book/chapter`), not {_shape(children)}"
            )
        for child in children.value:
            if not isinstance(child, yaml.MappingNode):
                raise TangleError(
                    f"_toc.yml:{_line(child)}: an entry of `{key}:` is a mapping, such as "
                    f"`- file: book/chapter`, not {_shape(child)}"
                )
            if _value(child, "glob") is not None:
                raise TangleError(
                    f"_toc.yml:{_line(child)}: `glob` entries are not supported; list each "
                    "chapter by `file:`"
                )
            file = _value(child, "file")
            if file is not None:
                yield _file_name(file), _line(file)
            yield from _toc_files(child)


def _items(node):
    """The (key, value node) pairs of a mapping node; a key given twice is an error."""
    seen = set()
    for key, value in node.value:
        name = key.value if isinstance(key, yaml.ScalarNode) else None
        if name in seen:
            raise TangleError(
                f"_toc.yml:{_line(key)}: `{name}:` is given twice in one entry"
            )
        seen.add(name)
        yield name, value


def _value(node, key):
    return next((value for name, value in _items(node) if name == key), None)


def _file_name(node):
    if not (
        isinstance(node, yaml.ScalarNode) and node.tag == YAML_STRING and node.value
    ):
        raise TangleError(
            f"_toc.yml:{_line(node)}: a chapter is given by its path, such as "
            f"`book/chapter`, not {_shape(node)}"
        )
    return node.value


def _line(node):
    return node.start_mark.line + 1


def _shape(node):
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if node is None or node.tag == "tag:yaml.org,2002:null":
        return "nothing"
    return f"`{node.value}`"


def _resolve(root, entry, line):
    """The chapter file for a `_toc.yml` entry, which may leave out the suffix."""
    entry = PurePosixPath(entry)
    if entry.is_absolute() or ".." in entry.parts:
        raise TangleError(
            f"_toc.yml:{line}: `{entry}` is not a path inside the repository; write it "
            "relative to the folder of _toc.yml, as in `book/chapter`"
        )
    for candidate in (entry, entry.with_name(entry.name + ".md")):
        if candidate.suffix == ".md" and (root / candidate).is_file():
            return Path(candidate)
    raise TangleError(
        f"_toc.yml:{line}: lists `{entry}`, but {entry}.md does not exist"
    )


def check_every_chapter_listed(root, book_dir, listed):
    """Every `.md` file under `book_dir` must have its place in `_toc.yml`."""
    listed = set(listed)
    for path in sorted((root / book_dir).rglob("*.md")):
        relative = path.relative_to(root)
        if ".ipynb_checkpoints" in relative.parts or "_build" in relative.parts:
            continue
        if relative not in listed:
            raise TangleError(
                f"{relative.as_posix()}:1: this chapter is not listed in _toc.yml, so it has "
                "no place in the book and its exported cells would have no order; add it there"
            )


def read_cells(root, chapter):
    """The code cells of a MyST Markdown notebook, with line numbers in the chapter file."""
    lines = read_text(root, chapter).splitlines()
    cells = []
    index = _end_of_front_matter(chapter, lines)
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        fence = opening["fence"]
        closing = _closing_fence(lines, index, fence)
        if closing is None:
            raise TangleError(
                f"{chapter.as_posix()}:{index + 1}: this {fence} fence is never closed"
            )
        if opening["info"].strip().startswith("{code-cell}"):
            cells.append(_cell(chapter, lines, index + 1, closing))
        index = closing + 1
    return cells


def _end_of_front_matter(chapter, lines):
    if lines and lines[0].strip() == "---":
        for index in range(1, len(lines)):
            if lines[index].strip() == "---":
                return index + 1
        raise TangleError(
            f"{chapter.as_posix()}:1: the front matter that starts here is never closed "
            "(by a line `---`)"
        )
    return 0


def _closing_fence(lines, opening, fence):
    for index in range(opening + 1, len(lines)):
        stripped = lines[index].strip()
        if stripped.startswith(fence) and set(stripped) == {fence[0]}:
            return index
    return None


def _cell(chapter, lines, start, end):
    """Parse the options block (`:key: value` lines or a `---` YAML block) and the source."""
    options = {}
    # Until a `tags` option turns up: the fence's line (`start` indexes the line after it).
    tags_line = start
    index = start
    if index < end and lines[index].strip() == "---":
        close = next(
            (i for i in range(index + 1, end) if lines[i].strip() == "---"), None
        )
        if close is None:
            raise TangleError(
                f"{chapter.as_posix()}:{index + 1}: the cell's options block is never closed"
            )
        options = _yaml(chapter, index + 2, "\n".join(lines[index + 1 : close])) or {}
        if not isinstance(options, dict):
            raise TangleError(
                f"{chapter.as_posix()}:{index + 2}: the cell's options are `key: value` "
                "lines (such as `tags: [export:engine]`)"
            )
        tags_line = next(
            (i + 1 for i in range(index + 1, close) if lines[i].startswith("tags:")),
            tags_line,
        )
        index = close + 1
    else:
        while index < end and (option := CELL_OPTION.match(lines[index])):
            options[option["key"]] = _yaml(chapter, index + 1, option["value"])
            if option["key"] == "tags":
                tags_line = index + 1
            index += 1
    while index < end and not lines[index].strip():
        index += 1
    source_lines = lines[index:end]
    while source_lines and not source_lines[-1].strip():
        source_lines.pop()
    tags = options.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise TangleError(
            f"{chapter.as_posix()}:{tags_line}: cell tags must be a list of names, got {tags!r}"
        )
    return Cell(chapter, index + 1, "\n".join(source_lines), tuple(tags), tags_line)


def _yaml(chapter, line, text):
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or error
        raise TangleError(
            f"{chapter.as_posix()}:{line + (mark.line if mark else 0)}: cell options are "
            f"not YAML: {problem}"
        ) from None
