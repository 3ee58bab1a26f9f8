"""Derived caches (``Settings.cache_dir``): written when the home allows it, kept in memory when not.

A cache only saves start-up time, so a home on read-only media (a shared mount, a CD of a built graph)
must still answer: every cache write goes through :func:`write_cache`, which says so once and goes on.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger(__name__)

_told = False  # one warning per process: every cache of a read-only home fails the same way


def write_cache(path: Path, write: Callable[[Path], None], *, what: str) -> bool:
    """Create ``path``'s folder and run ``write(path)``; False (logged, not raised) when it cannot.

    The folder is checked first, so an expensive ``write`` (the ONNX export) is skipped on a read-only home.
    """
    global _told
    try:
        if not writable(path.parent):
            msg = f"{_existing(path.parent)} is not writable"
            raise PermissionError(msg)
        path.parent.mkdir(parents=True, exist_ok=True)
        write(path)
        return True
    except OSError as err:
        reason = err.strerror if err.strerror and err.filename else str(err)
        if not _told:
            logger.warning(
                "cannot write the %s cache at %s (%s): caches are kept in memory for this run, so it "
                "starts slower; make the folder writable or point --home at a writable copy to keep them",
                what,
                path,
                reason,
            )
            _told = True
        else:
            logger.debug("cannot write the %s cache at %s (%s)", what, path, reason)
        return False


def _existing(folder: Path) -> Path:
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    return folder


def writable(path: Path) -> bool:
    """True when ``path`` (or, while it does not exist yet, the folder that would hold it) can be written.

    access() answers for the caller and reports a read-only file system (EROFS) even to root, for whom
    mode bits do not count; the one test of "can this home be written" the store and the caches share.
    """
    return os.access(_existing(path), os.W_OK)
