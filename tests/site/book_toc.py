"""The book's pages and settings, read from `_toc.yml` and `_config.yml` (never hard-coded).

The site tests check every page the table of contents lists, so a new chapter is tested the
moment it is added there.
"""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def config():
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def _toc():
    return yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))


def parts():
    """The parts of the table of contents, each with its caption and chapters."""
    return _toc()["parts"]


def pages():
    """Every page in the table of contents, root first, as paths without suffix."""
    toc = _toc()
    listed = [entry["file"] for part in toc["parts"] for entry in part["chapters"]]
    return [toc["root"], *listed]


def chapters():
    """The pages of the numbered parts: the chapters proper, not the front or back matter."""
    return [
        entry["file"]
        for part in _toc()["parts"]
        if part.get("numbered")
        for entry in part["chapters"]
    ]
