"""The seeded estate as its last build left it, so that a sandbox starts in a fraction of a second.

Building the estate through the API (estate.build_region) takes ~150 calls, a second or two of CPU.
What it leaves lives in moto's backends (API Gateway, API Gateway v2, Logs, CloudWatch's alarms)
and in the fidelity layer's STATE; a snapshot pickles those for the seeded account and regions,
with the ids the history refers to, into the user's cache directory, and the next start restores
them instead of building (metrics are never kept: the history is drawn afresh on every start). The file is named by a digest of everything that shapes a build (the versions of Python,
moto and botocore, and the sandbox's own sources), so a change to any of them builds afresh. A
snapshot that cannot be read, or that anyone but its owner could have written or swapped (a link, a
file or directory open to others, checked on the opened descriptors), is refused with a warning and
the estate built afresh: it is a pickle, and only this user's own sandbox may have made it.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import pickle
import stat
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from console.sandbox import moto_seam
from console.sandbox.state import STATE

if TYPE_CHECKING:
    from console.sandbox.estate_types import Ids

log = logging.getLogger("apigw-console.sandbox")

SERVICES = ("apigateway", "apigatewayv2", "logs", "cloudwatch")  # the backends a build writes to (alarms)
_SOURCES = Path(__file__).parent  # console/sandbox: every module of it can change what a build leaves
_PREFIX = "estate-"


def directory() -> Path:
    """Where snapshots are kept (`apigw-console info` names it too)."""
    from platformdirs import user_cache_path

    return user_cache_path("apigw-console") / "sandbox"


def restore(account: str, regions: tuple[str, ...]) -> dict[str, Ids] | None:
    """Put the snapshot's backends and state in place of `account`'s in `regions`; its ids by
    region. None (and nothing changed) when there is no usable snapshot for this code."""
    path = _path()
    try:
        data = _read_private(path)
    except FileNotFoundError:
        return None
    except (OSError, Unsafe) as exc:  # not ours alone, or not readable: build instead, and say why
        log.warning("ignoring the sandbox snapshot %s: %s; building the estate afresh", path, exc)
        return None
    try:
        taken = pickle.loads(data)
        if (taken["account"], taken["regions"]) != (account, regions):
            return None
    except Exception as exc:  # a damaged file: build instead
        log.warning("ignoring the sandbox snapshot %s: %s", path, exc)
        return None
    for service, kept in taken["backends"].items():
        if moto_seam.has_account_backends(service, account):  # some region of it in use: keep that one
            for region, backend in kept.items():
                moto_seam.set_backend(service, account, region, backend)
        else:
            moto_seam.set_account_backends(service, account, kept)
    STATE.replace(account, regions, taken["state"])
    return taken["ids"]


class Unsafe(Exception):
    """The snapshot, or its directory, is not this user's alone: unpickling it could run another's code."""


def _private(status: os.stat_result, what: str, kind: int) -> None:
    if stat.S_IFMT(status.st_mode) != kind:
        raise Unsafe(f"{what} is not a {'directory' if kind == stat.S_IFDIR else 'regular file'}")
    if status.st_uid != os.getuid():
        raise Unsafe(f"{what} belongs to another user (uid {status.st_uid})")
    if status.st_mode & 0o077:
        raise Unsafe(f"{what} is open to others (mode {stat.S_IMODE(status.st_mode):o}; it must be private)")


def _read_private(path: Path) -> bytes:
    """The file's bytes, if the directory and the file are this user's alone, checked on what was opened
    (no link is followed, so nothing can be swapped between the check and the read)."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    folder = os.open(path.parent, flags | os.O_DIRECTORY)
    try:
        _private(os.fstat(folder), f"the directory {path.parent}", stat.S_IFDIR)
        fd = os.open(path.name, flags | getattr(os, "O_NONBLOCK", 0), dir_fd=folder)
    except OSError as exc:
        os.close(folder)
        if exc.errno == errno.ELOOP:
            raise Unsafe(f"{path} is a symbolic link") from None
        raise
    os.close(folder)
    with os.fdopen(fd, "rb") as opened:
        _private(os.fstat(opened.fileno()), f"the file {path.name}", stat.S_IFREG)
        return opened.read()


def capture(account: str, regions: tuple[str, ...], ids: dict[str, Ids]) -> None:
    """Keep `account`'s backends and state in `regions`, as they are now, for the next start."""
    taken = {
        "account": account, "regions": regions, "ids": ids, "state": STATE.entries(account, regions),
        "backends": {service: moto_seam.account_backends(service, account, regions) for service in SERVICES},
    }
    path = _path()
    written: str | None = None
    try:
        data = pickle.dumps(taken, protocol=pickle.HIGHEST_PROTOCOL)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _private(os.lstat(path.parent), f"the directory {path.parent}", stat.S_IFDIR)  # else the next start refuses it
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", delete=False) as out:
            written = out.name  # NamedTemporaryFile creates it 0600
            out.write(data)
        os.replace(written, path)
        written = None
        for stale in path.parent.glob(f"{_PREFIX}*.pickle"):
            if stale != path:
                stale.unlink(missing_ok=True)
    except Exception as exc:  # no snapshot only means the next start builds again
        log.warning("could not keep a sandbox snapshot in %s: %s", path.parent, exc)
    finally:
        if written:
            Path(written).unlink(missing_ok=True)


def _path() -> Path:
    return directory() / f"{_PREFIX}{_digest()}.pickle"


def _digest() -> str:
    """What a build depends on: the interpreter, moto, botocore and the sandbox's code."""
    import botocore

    digest = hashlib.sha256(f"{sys.version}|{moto_seam.version()}|{botocore.__version__}".encode())
    for source in sorted(_SOURCES.rglob("*.py")):
        digest.update(str(source.relative_to(_SOURCES)).encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:16]
