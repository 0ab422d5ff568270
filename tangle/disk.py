"""Putting a new package in the place of the old one, so that it is never missing or mixed.

The new package is written, and flushed to the disk, into a folder beside the old one
(`.micrograd.new`). Then the two folders trade places in one step, Linux's `renameat2` with
RENAME_EXCHANGE, which the kernel does entirely or not at all: until that step `micrograd/` is
the old package, from that step on the new one. The old one, now in `.micrograd.new`, is then
deleted. A run stopped at any moment leaves at most that other folder behind, and the next run
deletes it.

Where the system cannot exchange two folders (not Linux, or a file system without the
operation), the old package is renamed aside (`.micrograd.old`) and the new one renamed into
its place, so for the moment between the two renames `micrograd/` is missing: an error there
renames the old one back, and a run killed there leaves `.micrograd.old`, which the next run
renames back before it does anything else.
"""

import errno
import functools
import os
import shutil
import sys

try:
    import ctypes
except ImportError:  # a Python built without it: folders are renamed instead
    ctypes = None

AT_FDCWD = -100
RENAME_EXCHANGE = 2
# What renameat2 answers where the system or the file system cannot exchange.
UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP}
COMMAND = "python -m tangle"


class WriteError(Exception):
    """The package could not be written; the message says why, in what state the package
    folder is, and what to do."""


def staging_folder(target):
    return target.with_name(f".{target.name}.new")


def retired_folder(target):
    return target.with_name(f".{target.name}.old")


def leftovers(target):
    """What an interrupted run left beside `target`, described; nothing is touched."""
    staging, retired = staging_folder(target), retired_folder(target)
    found = []
    if not os.path.lexists(target) and os.path.isdir(retired):
        found.append(
            f"{target.name}/ is missing and {retired.name}/ holds the package an "
            f"interrupted run moved aside; `{COMMAND}` puts it back"
        )
    elif os.path.lexists(retired):
        found.append(
            f"{retired.name}/ is left from an interrupted run; `{COMMAND}` deletes it"
        )
    if os.path.lexists(staging):
        found.append(
            f"{staging.name}/ is left from an interrupted run; `{COMMAND}` deletes it"
        )
    return found


def recover(target):
    """Undo or finish what an interrupted run left beside `target`; returns what was done."""
    staging, retired = staging_folder(target), retired_folder(target)
    done = []
    try:
        if not os.path.lexists(target) and os.path.isdir(retired):
            os.rename(retired, target)
            done.append(
                f"put {target.name}/ back from {retired.name}/, where an interrupted run "
                "had moved it aside"
            )
        for leftover in (staging, retired):
            if os.path.lexists(leftover):
                _remove(leftover)
                done.append(f"deleted {leftover.name}/, left by an interrupted run")
    except OSError as error:
        raise WriteError(
            f"cannot clean up after an interrupted run: {error}; {_advice(error, target)}"
        ) from None
    return done


def replace_folder(target, files):
    """Make `target` a folder holding exactly `files` ({relative path: text}).

    Returns notes on anything left to tidy; raises WriteError, with `target` unchanged,
    when the new folder cannot be written or put in place.
    """
    staging, retired = staging_folder(target), retired_folder(target)
    try:
        os.mkdir(staging)
    except OSError as error:  # not ours to delete, then
        raise WriteError(_unchanged(error, target)) from None
    try:
        _write_files(staging, files)
        old = _swap(staging, target, retired)
    except BaseException as error:
        if isinstance(error, _Stranded):
            raise WriteError(str(error)) from None
        tidy = _discard(staging)
        if isinstance(error, OSError):
            raise WriteError(_unchanged(error, target, tidy)) from None
        raise
    notes = []
    try:
        _sync(target.parent)
    except OSError as error:
        notes.append(
            f"{target.name}/ is the new package, but flushing {target.parent} to the disk "
            f"failed: {error}"
        )
    if old is not None:
        try:
            _remove(old)
        except OSError as error:
            notes.append(
                f"{target.name}/ is the new package, but {old.name}/ (the old one) could "
                f"not be deleted: {error}; the next run deletes it"
            )
    return notes


def _unchanged(error, target, tidy=""):
    return (
        f"cannot write the new package: {error}. {target.name}/ is unchanged{tidy}; "
        + _advice(error, target)
    )


class _Stranded(Exception):
    """The package folder is missing: the old package could not be renamed back."""


def _swap(staging, target, retired):
    """Put `staging` in the place of `target`; returns where the old package now is."""
    if not os.path.lexists(target):
        os.rename(staging, target)
        return None
    if exchange(staging, target):
        return staging
    os.rename(target, retired)
    try:
        os.rename(staging, target)
    except BaseException as error:
        try:
            os.rename(retired, target)
        except OSError as second:
            raise _Stranded(
                f"cannot put the new package in place ({error}) nor the old one back "
                f"({second}): {target.name}/ is missing; the old package is in "
                f"{retired.name}/ and the new one in {staging.name}/. Run `{COMMAND}` "
                f"again, which puts the old one back first, or rename {retired.name}/ to "
                f"{target.name}/ yourself"
            ) from None
        raise
    return retired


def exchange(first, second):
    """Swap two paths in one step: True when done, False when the system cannot (nothing
    has changed then); other failures raise OSError."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    done = renameat2(
        AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE
    )
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), os.fspath(first), None, os.fspath(second))


@functools.cache
def _renameat2():
    """The C library's renameat2 (glibc 2.28 and later, musl 1.1.24), or None."""
    if ctypes is None or not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = (
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    )
    function.restype = ctypes.c_int
    return function


def _write_files(folder, files):
    """Write `files` into the new `folder`, every byte on the disk before this returns."""
    folders = {folder}
    for path, text in files.items():
        destination = folder / path
        if destination.parent not in folders:
            os.makedirs(destination.parent, exist_ok=True)
            for parent in destination.parents:
                if parent == folder:
                    break
                folders.add(parent)
        _write_file(destination, text.encode("utf-8"))
    for written in sorted(folders, key=lambda path: len(path.parts), reverse=True):
        _sync(written)


def _write_file(path, data):
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _sync(folder):
    """Flush a folder's entries (a rename is durable once its folder is flushed)."""
    if os.name != "posix":  # Windows cannot open a folder to flush it
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)


def _discard(path):
    """Delete a half-written folder if possible; what the message should add if not."""
    try:
        _remove(path)
    except OSError:
        return f" ({path.name}/ is left over: the next run deletes it)"
    return ""


def _advice(error, target):
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        cause = "free some disk space"
    elif error.errno in (errno.EACCES, errno.EPERM):
        cause = f"make sure you may write in {target.parent}"
    elif error.errno == errno.EROFS:
        cause = (
            f"{target.parent} is on a read-only file system: tangle where you can write"
        )
    else:
        cause = "fix what the system reports"
    return f"{cause}, then run `{COMMAND}` again"
