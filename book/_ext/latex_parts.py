"""The parts of the book in the PDF, as on the site.

The site shows the captions of `_toc.yml`'s parts ("The engine", "Neural networks", ...) above
their chapters; Sphinx's LaTeX writer ignores them, so the PDF's chapters would run on in one
list. This Sphinx extension puts a `\\part` before the first chapter of each part in the LaTeX
build, and `\\backmatter` before an unnumbered part, whose chapters the site does not number
either. It reads the parts from the site map that sphinx-external-toc (Jupyter Book's table
of contents) keeps.
"""

from docutils import nodes


def parts(app):
    """{docname of a part's first chapter: (the part's caption, whether it is numbered)}"""
    site_map = getattr(app.env, "external_site_map", None)
    if site_map is None:
        return {}
    first_chapters = {}
    for subtree in site_map[site_map.root.docname].subtrees:
        if subtree.caption and subtree.items:
            first_chapters[str(subtree.items[0])] = (subtree.caption, subtree.numbered)
    return first_chapters


def mark_parts(app, doctree):
    if app.builder.format != "latex":
        return
    part = parts(app).get(app.env.docname)
    if part is None:
        return
    caption, numbered = part
    title = caption.replace("\\", "").replace("{", "").replace("}", "")
    if numbered:
        latex = f"\\part{{{title}}}"
    else:  # unnumbered, and its chapters too, but in the contents and the PDF's bookmarks
        latex = f"\\backmatter\n\\part*{{{title}}}\n\\addcontentsline{{toc}}{{part}}{{{title}}}"
    doctree.insert(0, nodes.raw("", latex, format="latex"))


def setup(app):
    app.connect("doctree-read", mark_parts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
