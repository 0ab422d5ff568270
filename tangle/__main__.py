"""`python -m tangle` writes the package from the book; `--check` only compares."""

import argparse
import sys
from pathlib import Path

from . import Project, TangleError, WriteError, check, leftovers, tangle, write

DONE, DRIFT, USAGE, BAD_INPUT, NOT_WRITTEN, INTERRUPTED = 0, 1, 2, 3, 4, 130

EXIT_CODES = """\
exit codes:
  0  the package was written, or was already up to date (--check: it matches the chapters)
  1  --check: the package is not what the chapters export; the differences are shown
  2  the command line is wrong
  3  a file of the book, or a setting, is wrong: the message names the file and the line;
     nothing was written
  4  the package could not be written (the system's error is shown); the package folder
     is as it was, or the message says where each version is
"""


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tangle",
        description="Write the package from the cells the chapters export (tag export:MODULE).",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 and show the difference if the package is out of date",
    )
    parser.add_argument(
        "--root", type=Path, default=Path.cwd(), help="the repository (default: here)"
    )
    arguments = parser.parse_args(argv)
    project = None
    try:
        project = Project(arguments.root)
        files = tangle(project)
        if arguments.check:
            return _check(project, files)
        if write(project, files, note=_note):
            print(f"tangle: wrote {project.package}/ ({len(files)} files)")
        else:
            print(f"tangle: {project.package}/ is up to date")
        return DONE
    except TangleError as error:
        _say(f"error: {error}")
        _say("nothing was written")
        if project is not None:
            for message in leftovers(project.package_dir):
                _note(message)
        return BAD_INPUT
    except (WriteError, OSError) as error:
        _say(f"error: {error}")
        return NOT_WRITTEN
    except KeyboardInterrupt:
        _say("interrupted; the next run tidies up whatever was left")
        return INTERRUPTED


def _check(project, files):
    for message in leftovers(project.package_dir):
        _note(message)
    problems = check(project, files)
    for problem in problems:
        print(problem, end="" if problem.endswith("\n") else "\n")
    if problems:
        _say(
            f"{project.package}/ is not what the chapters export; "
            "run `python -m tangle` and commit the result"
        )
        return DRIFT
    print(f"tangle: {project.package}/ matches the chapters ({len(files)} files)")
    return DONE


def _say(message):
    print(f"tangle: {message}", file=sys.stderr)


def _note(message):
    _say(f"note: {message}")


if __name__ == "__main__":
    sys.exit(main())
