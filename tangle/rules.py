"""The rules of `@extend`, applied by the tangler and by the notebook's `extend` alike.

In the notebook, `@extend(Value)` attaches the members of a class body to the live class; in
the package, the tangler merges the two class statements into one. Each side gathers the same
facts (the members the class has, those the body defines, the names in `replaces=`) and asks
`check_extension`, so a cell that one side accepts the other accepts too, and a cell that one
refuses the other refuses, with the same message. (What only the source text shows, such as
one statement per line, the tangler checks alone; a chapter's `load()` tangles the chapter
itself, so that a cell breaking one of those rules stops the chapter before it runs.)
"""

EXTEND = "extend"


class RuleError(Exception):
    """A broken rule of `@extend`; `member` is the member of the body the message is about,
    or None when it is about the decorator or the `class` line."""

    def __init__(self, message, member=None):
        super().__init__(message)
        self.member = member


def replaced_names(target, replaces):
    """The names in `replaces=`, in the order written: one name, or a list or tuple of them.

    (A set is refused: its order, and with it the first error reported, would change from
    run to run.)
    """
    if isinstance(replaces, str):
        names = [replaces]
    elif isinstance(replaces, (list, tuple)) and all(
        isinstance(name, str) for name in replaces
    ):
        names = list(replaces)
    else:
        raise RuleError(
            f"replaces= takes a list of method names, as in "
            f"@{EXTEND}({target}, replaces=['method', ...])"
        )
    for index, name in enumerate(names):
        if name in names[:index]:
            raise RuleError(f"replaces= names `{name}` twice")
    return names


def check_extension(
    target,
    body,
    *,
    is_class=True,
    existing=(),
    slots=(),
    added=(),
    replaces=(),
    docstring=False,
    bases=False,
):
    """Raise RuleError unless `@extend(target, replaces=replaces)` may decorate `body`.

    `body` is the name of the class (or, with `is_class` false, the function) decorated;
    `existing` holds the members the class has and `slots` the names in its `__slots__`;
    `added` the members the body defines, in the order it defines them; `replaces` the
    names from `replaced_names`. A member is replaced only on purpose, and only one that
    exists: a method defined twice by mistake, or a `replaces=` that names a method no one
    defines, is refused.
    """
    if not is_class or body != target:
        what = f"`class {body}:`" if is_class else f"the function `{body}`"
        raise RuleError(
            f"@{EXTEND}({target}) must decorate `class {target}:`, not {what}"
        )
    if bases:
        raise RuleError(
            f"the `class {target}:` line under @{EXTEND}({target}) takes no base classes "
            "or keywords; they belong to the cell that first defines the class"
        )
    if docstring:
        raise RuleError(
            f"the body of @{EXTEND}({target}) holds methods only; the class docstring "
            "belongs to the cell that first defines the class"
        )
    for name in replaces:
        if name not in added:
            raise RuleError(
                f"replaces=[{name!r}], but this body does not define `{name}`"
            )
    for name in added:
        if name == "__slots__":
            # Set on a finished class, it would change nothing in the notebook.
            raise RuleError(
                f"__slots__ belongs to the cell that first defines `class {target}`",
                member=name,
            )
        if name in slots:
            raise RuleError(
                f"`{name}` is named in the __slots__ of `{target}`; a member of that name "
                "would take the attribute's place",
                member=name,
            )
        if name in existing and name not in replaces:
            raise RuleError(
                f"`{target}.{name}` is already defined; to replace it on purpose, write "
                f"@{EXTEND}({target}, replaces=[{name!r}])",
                member=name,
            )
        if name in replaces and name not in existing:
            raise RuleError(
                f"replaces=[{name!r}], but `{target}` has no `{name}` to replace",
                member=name,
            )
