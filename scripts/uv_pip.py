"""`uv pip install`, from where pip would install: pip's configured indexes and constraints.

uv installs a set of requirements in seconds where pip takes a minute (the book's, or a test
environment's). uv does not read pip's configuration, so this passes it on: the package
indexes, find-links and constraints set in pip's configuration files or in `PIP_*` variables,
every index on an equal footing as pip treats them. An option of pip's that would change what
is installed, and that is not passed on here, stops the install with an error: installing
something else than pip would is never silent.

    python scripts/uv_pip.py --python PATH REQUIREMENT-OR-OPTION ...

uv comes from the environment this runs in (its `uv` package); the packages go to PATH's.
"""

import ast
import os
import subprocess
import sys

# pip's options that decide which packages are installed, as uv spells them; the value of
# each may list several, separated by white space, as pip's configuration does.
PASSED_ON = {
    "index-url": "--default-index",
    "extra-index-url": "--extra-index-url",
    "find-links": "--find-links",
    "constraint": "--constraints",
    "trusted-host": "--allow-insecure-host",
    "only-binary": "--only-binary",
    "no-binary": "--no-binary",
}
# pip's options that uv reads from the environment instead.
AS_VARIABLES = {
    "cert": "SSL_CERT_FILE",
    "timeout": "UV_HTTP_TIMEOUT",
    "default-timeout": "UV_HTTP_TIMEOUT",
    "proxy": "ALL_PROXY",
}
YES = {"1", "true", "yes", "on"}
# pip's options that change how pip works or what it prints, not what it installs.
IRRELEVANT = {
    "break-system-packages",  # the callers install into virtual environments only
    "cache-dir",
    "compile",
    "disable-pip-version-check",
    "log",
    "no-cache-dir",
    "no-color",
    "no-compile",
    "no-input",
    "progress-bar",
    "quiet",
    "require-virtualenv",
    "retries",
    "root-user-action",
    "verbose",
}


def main():
    from uv import find_uv_bin

    uv = [find_uv_bin(), "pip", "install", "--quiet", *sys.argv[1:]]
    options, variables = from_pip_configuration(pip_configuration())
    completed = subprocess.run(uv + options, env={**os.environ, **variables})
    sys.exit(completed.returncode)


def command(python):
    """This script's command line for installing into the environment of `python`: the
    requirements and options follow it. The Python running it must have uv."""
    return [sys.executable, __file__, "--python", python]


def pip_configuration():
    """pip's settings for `pip install`, by option: its variables over its files' `install`
    section over their `global` one, as pip itself reads them."""
    listed = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    by_section = {":env:": {}, "install": {}, "global": {}}
    for line in listed.splitlines():
        key, _, value = line.partition("=")
        section, _, option = key.rpartition(".")
        if section in by_section:
            by_section[section][option] = ast.literal_eval(value)
    return {**by_section["global"], **by_section["install"], **by_section[":env:"]}


def from_pip_configuration(settings):
    """uv's command-line options and environment variables for pip's `settings`."""
    options = ["--index-strategy", "unsafe-best-match"]
    variables = {}
    for option, value in settings.items():
        if option in PASSED_ON:
            for item in value.split():
                options += [PASSED_ON[option], item]
        elif option == "no-index":
            options += ["--no-index"] if value.lower() in YES else []
        elif option == "pre":
            options += ["--prerelease", "allow"] if value.lower() in YES else []
        elif option in AS_VARIABLES:
            variables[AS_VARIABLES[option]] = value
        elif option not in IRRELEVANT:
            raise SystemExit(
                f"pip is configured with {option}={value!r}, which {__file__} does not "
                "pass on to uv: add it there, or unset it (`pip config list` shows where "
                "it is set)"
            )
    return options, variables


if __name__ == "__main__":
    main()
