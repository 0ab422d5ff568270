"""Label the bibliography the way the chapters cite: [Rumelhart et al., 1986], not [RHW86].

A Sphinx extension that registers a pybtex style, `author_year_labels`, for
sphinxcontrib-bibtex's `bibtex_default_style`: pybtex's `unsrt` formatting, with the
entries sorted by author and year and labelled "Author, year", "Author and Other, year" or
"Author et al., year", as the `author_year` citations in the text read.
"""

import codecs
from collections import Counter

import latexcodec  # noqa: F401  (registers the "ulatex" codec)
from pybtex.plugin import register_plugin
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        labels = [_label(entry) for entry in sorted_entries]
        # Two works by the same authors in the same year become 2018a and 2018b.
        repeated = {label for label, count in Counter(labels).items() if count > 1}
        seen = Counter()
        for label in labels:
            if label in repeated:
                seen[label] += 1
                yield f"{label}{chr(ord('a') + seen[label] - 1)}"
            else:
                yield label


def _label(entry):
    names = [_last_name(person) for person in entry.persons.get("author", [])]
    if len(names) > 2:
        authors = f"{names[0]} et al."
    else:
        authors = " and ".join(names) or entry.fields.get("title", entry.key)
    return f"{authors}, {entry.fields.get('year', 'n.d.')}"


def _last_name(person):
    latex = " ".join(person.prelast_names + person.last_names)
    return codecs.decode(latex, "ulatex").replace("{", "").replace("}", "")


class AuthorYearStyle(UnsrtStyle):
    default_label_style = "author_year_labels"
    default_sorting_style = "author_year_title"


def setup(app):
    register_plugin("pybtex.style.labels", "author_year_labels", AuthorYearLabels)
    register_plugin("pybtex.style.formatting", "author_year_labels", AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
