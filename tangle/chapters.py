"""Reading the book: the chapter order from `_toc.yml` and the code cells of each chapter."""

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

EXPORT_TAG = "export:"
FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")
CELL_OPTION = re.compile(r"^:(?P<key>[\w-]+):(?P<value>.*)$")


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


def chapter_paths(root):
    """The book's files in reading order, as listed in `_toc.yml`, relative to `root`."""
    toc_path = root / "_toc.yml"
    if not toc_path.is_file():
        raise TangleError(
            f"{toc_path}: not found; the book's chapter order comes from it"
        )
    toc = yaml.safe_load(toc_path.read_text(encoding="utf-8")) or {}
    entries = []
    if "root" in toc:
        entries.append(toc["root"])
    entries.extend(_toc_files(toc))
    return [_resolve(root, entry) for entry in entries]


def _toc_files(entry):
    """The `file:` entries below one `_toc.yml` node, depth first, in order."""
    for key in ("parts", "chapters", "sections"):
        for child in entry.get(key) or []:
            if "file" in child:
                yield child["file"]
            if "glob" in child:
                raise TangleError(
                    "_toc.yml: `glob` entries are not supported; list each chapter by `file:`"
                )
            yield from _toc_files(child)


def _resolve(root, entry):
    """The chapter file for a `_toc.yml` entry, which may leave out the suffix."""
    entry = Path(entry)
    for candidate in (entry, entry.with_name(entry.name + ".md")):
        if candidate.suffix == ".md" and (root / candidate).is_file():
            return candidate
    raise TangleError(
        f"_toc.yml: lists `{entry}`, but {root / entry}.md does not exist"
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
    lines = (root / chapter).read_text(encoding="utf-8").splitlines()
    cells = []
    index = _end_of_front_matter(lines)
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


def _end_of_front_matter(lines):
    if lines and lines[0].strip() == "---":
        for index in range(1, len(lines)):
            if lines[index].strip() == "---":
                return index + 1
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
        raise TangleError(
            f"{chapter.as_posix()}:{line}: cell options are not YAML: {error}"
        ) from None
