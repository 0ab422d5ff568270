"""`python -m tangle` writes the package from the book; `--check` only compares."""

import argparse
import sys
from pathlib import Path

from . import Project, TangleError, check, tangle, write


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tangle",
        description="Write the package from the cells the chapters export (tag export:MODULE).",
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
    try:
        project = Project(arguments.root)
        files = tangle(project)
        if arguments.check:
            problems = check(project, files)
            for problem in problems:
                print(problem, end="" if problem.endswith("\n") else "\n")
            if problems:
                print(
                    f"tangle: {project.package}/ is not what the chapters export; "
                    "run `python -m tangle` and commit the result",
                    file=sys.stderr,
                )
                return 1
            print(
                f"tangle: {project.package}/ matches the chapters ({len(files)} files)"
            )
        elif write(project, files):
            print(f"tangle: wrote {project.package}/ ({len(files)} files)")
        else:
            print(f"tangle: {project.package}/ is up to date")
    except TangleError as error:
        print(f"tangle: error: {error}", file=sys.stderr)
        print("tangle: nothing was written", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
