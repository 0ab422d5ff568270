"""The "Colab" launch button opens the chapter as a notebook that Colab can run.

sphinx-book-theme points Colab at the chapter's source, `book/NAME.md`, which Colab cannot
open (jupyter-book#752), and which would not run there anyway: Colab has neither this book's
package nor `code_so_far`. So the publish workflow (`.github/workflows/publish.yml`) pushes,
to a branch of the book's repository, each chapter as an executed notebook whose first cell
sets Colab up, and the wheels that cell installs (`scripts/colab_notebooks.py` writes them).
This extension points the button at that notebook. Colab opens notebooks from GitHub only,
hence a branch rather than the Pages site; the wheels sit beside the notebooks so that one
push publishes a notebook together with what it installs.

Where things are published is decided here, once: the script imports these names.
"""

import re

# The branch the workflow pushes the notebooks and wheels to (replaced whole each time).
PUBLISHED_BRANCH = "notebooks"
WHEELS = "wheels"
GITHUB_REPOSITORY = re.compile(
    r"https://github\.com/(?P<owner>[^/]+)/(?P<name>[^/]+?)/?"
)
COLAB = "https://colab.research.google.com"
# Files on a branch, as a program (pip) downloads them.
RAW_FILES = "https://raw.githubusercontent.com"


def github_repository(url):
    """`(owner, name)` of a repository's address on GitHub, or a clear error."""
    found = GITHUB_REPOSITORY.fullmatch(url or "")
    if not found:
        raise ValueError(
            f"_config.yml: repository.url is {url!r}; Colab opens notebooks from GitHub "
            "only, so it must be a GitHub repository, https://github.com/OWNER/NAME"
        )
    return found["owner"], found["name"]


def notebook_path(page):
    """Where on the published branch the notebook of `page` (`book/value`) is."""
    return f"{page}.ipynb"


def colab_url(repository_url, page, colab=COLAB):
    """The link that opens the published notebook of `page` in Colab."""
    owner, name = github_repository(repository_url)
    path = notebook_path(page)
    return f"{colab}/github/{owner}/{name}/blob/{PUBLISHED_BRANCH}/{path}"


def published_file_url(repository_url, path):
    """The address from which a program downloads a published file."""
    owner, name = github_repository(repository_url)
    return f"{RAW_FILES}/{owner}/{name}/{PUBLISHED_BRANCH}/{path}"


def point_colab_at_published_notebook(app, pagename, templatename, context, doctree):
    theme = app.config.html_theme_options
    colab = theme.get("launch_buttons", {}).get("colab_url", "").rstrip("/")
    if not colab:
        return
    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        for button in group["buttons"]:
            if button.get("url", "").startswith(f"{colab}/"):
                button["url"] = colab_url(theme.get("repository_url"), pagename, colab)


def setup(app):
    # The theme adds its launch buttons at priority 501; this must run after it.
    app.connect("html-page-context", point_colab_at_published_notebook, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
