"""Writing files: atomic (temp file + ``os.replace``) and readable as the user's umask says (every writer of the
suite: tables, claims, reports).

``tempfile.mkstemp`` creates files 0600 whatever the umask, so a report published with ``os.replace`` stayed
private to its author (issue 18: a lab's web server or colleagues could not read it). :func:`publish` gives
the file the mode a plain ``open(path, "w")`` would have (0666 minus the umask, e.g. 0644 under umask 022).
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

__all__ = ["current_umask", "publish", "atomic_write_text", "atomic_write_bytes"]


def current_umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux ``/proc``)."""
    try:
        match = re.search(r"^Umask:\s*([0-7]+)", Path("/proc/self/status").read_text(), flags=re.M)
    except OSError:
        match = None
    if match:
        return int(match.group(1), 8)
    mask = os.umask(0o022)  # elsewhere: read it by setting it, and put it straight back
    os.umask(mask)
    return mask


def publish(tmp: str | Path, path: str | Path) -> Path:
    """Move the finished temp file ``tmp`` onto ``path`` with the umask's mode (0666 & ~umask)."""
    os.chmod(tmp, 0o666 & ~current_umask())
    os.replace(tmp, path)
    return Path(path)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return publish(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))
