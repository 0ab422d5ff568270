"""The package in the book: a mark on every exported cell, and the finished code on a page.

A Sphinx extension with two parts:

- every code cell tagged `export:MODULE` gets a line above it, "In the package:
  micrograd/MODULE.py", linked to that module on the page of the finished code, so that a
  reader of the site can tell which cells the package is made of (the tag itself is not
  shown);
- the directive `package-code` shows each module as the tangler writes it, piece by piece,
  each piece under a link to the chapter it comes from.
"""

import sys
from itertools import groupby
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.util.docutils import SphinxDirective

EXPORT_TAG = "export:"
STATIC = Path(__file__).parent / "static"


def label_of(module):
    """The label of a module's section on the page of the finished code."""
    return f"package-{module}"


def exported_module(cell):
    """The module a myst-nb code cell is exported to, or None."""
    tags = cell.get("cell_metadata", {}).get("tags", [])
    modules = [tag[len(EXPORT_TAG) :] for tag in tags if tag.startswith(EXPORT_TAG)]
    return modules[0] if modules else None


def mark_exported_cells(app, doctree):
    package = _project(app).package
    for cell in doctree.findall(nodes.container):
        if cell.get("nb_element") != "cell_code":
            continue
        module = exported_module(cell)
        if module is None:
            continue
        link = addnodes.pending_xref(
            "",
            nodes.literal(text=f"{package}/{module}.py"),
            refdomain="std",
            reftype="ref",
            reftarget=label_of(module),
            refexplicit=True,
            refwarn=True,
        )
        mark = nodes.paragraph(
            "", "", nodes.Text("In the package: "), link, classes=["exported-cell"]
        )
        cell.insert(0, mark)


class PackageCode(SphinxDirective):
    """Every module of the package as tangled, each piece linked to its chapter."""

    def run(self):
        tangle = _tangler(self.env.app)
        project = tangle.Project(Path(self.env.app.srcdir))
        self.env.note_dependency(str(Path(project.root) / "pyproject.toml"))
        sections = []
        # In book order: each module where the book starts it, the engine first.
        for name, module in tangle.modules(project).items():
            sections.append(self._module_section(project, name, module))
        return sections

    def _module_section(self, project, name, module):
        section = nodes.section(ids=[label_of(name)], names=[label_of(name)])
        section += nodes.title(text=f"{project.package}/{name}.py")
        self.state.document.note_explicit_target(section)
        section += nodes.paragraph("", "", *_with_code(project.modules[name]))
        for chapter, pieces in groupby(module.pieces(), key=lambda piece: piece[0]):
            for chapter_file in [chapter] if chapter else []:
                self.env.note_dependency(str(Path(project.root) / chapter_file))
            section += self._caption(chapter)
            code = "\n\n".join(text for _, text in pieces)
            section += nodes.literal_block(code, code, language="python")
        return section

    def _caption(self, chapter):
        if chapter is None:
            return nodes.paragraph(
                text="The imports, from every chapter that brings one:"
            )
        link = addnodes.pending_xref(
            "",
            nodes.inline(text=chapter),
            refdomain="std",
            reftype="doc",
            reftarget="/" + str(Path(chapter).with_suffix("")),
            refexplicit=False,
            refwarn=True,
        )
        return nodes.paragraph("", "", nodes.Text("From "), link, nodes.Text(":"))


def _with_code(text):
    """Text in which `backticks` mark code, as docutils nodes."""
    parts = text.split("`")
    return [
        nodes.literal(text=part) if i % 2 else nodes.Text(part)
        for i, part in enumerate(parts)
        if part
    ]


def _tangler(app):
    """The repository's tangler, importable from the book's root."""
    root = str(Path(app.srcdir))
    if root not in sys.path:
        sys.path.insert(0, root)
    import tangle

    return tangle


def _project(app):
    return _tangler(app).Project(Path(app.srcdir))


def add_static_files(app):
    app.config.html_static_path.append(str(STATIC))
    app.add_css_file("package-code.css")


def setup(app):
    app.connect("builder-inited", add_static_files)
    app.connect("doctree-read", mark_exported_cells)
    app.add_directive("package-code", PackageCode)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
