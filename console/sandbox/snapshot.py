"""The seeded estate as its last build left it, so that a sandbox starts in a fraction of a second.

Building the estate through the API (estate.build_region) takes ~150 calls, a second or two of CPU.
What it leaves lives in moto's backends (API Gateway, API Gateway v2, Logs) and in the fidelity
layer's STATE; a snapshot pickles those for the seeded account and regions, with the ids the
history refers to, into the user's cache directory, and the next start restores them instead of
building. The file is named by a digest of everything that shapes a build (the versions of Python,
moto and botocore, and the sandbox's own sources), so a change to any of them builds afresh. A
snapshot that cannot be read, or that anyone but its owner could have written, is ignored: it is
a pickle, and only this user's own sandbox may have made it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from console.sandbox import moto_seam
from console.sandbox.state import STATE

if TYPE_CHECKING:
    from console.sandbox.estate_types import Ids

log = logging.getLogger("apigw-console.sandbox")

SERVICES = ("apigateway", "apigatewayv2", "logs")  # the backends a build writes to
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
        status = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:  # the cache is not a directory we can read: build instead
        log.warning("no sandbox snapshot in %s: %s", path.parent, exc)
        return None
    if status.st_uid != os.getuid() or status.st_mode & 0o022:
        log.warning("ignoring the sandbox snapshot %s: it is not private to this user", path)
        return None
    try:
        taken = pickle.loads(path.read_bytes())
        if (taken["account"], taken["regions"]) != (account, regions):
            return None
    except Exception as exc:  # a damaged or foreign file: build instead
        log.warning("ignoring the sandbox snapshot %s: %s", path, exc)
        return None
    for service, by_region in taken["backends"].items():
        for region, backend in by_region.items():
            moto_seam.set_backend(service, account, region, backend)
    STATE.replace(account, regions, taken["state"])
    return taken["ids"]


def capture(account: str, regions: tuple[str, ...], ids: dict[str, Ids]) -> None:
    """Keep `account`'s backends and state in `regions`, as they are now, for the next start."""
    taken = {
        "account": account, "regions": regions, "ids": ids, "state": STATE.entries(account, regions),
        "backends": {service: {region: moto_seam.backend(service, account, region) for region in regions}
                     for service in SERVICES},
    }
    path = _path()
    written: str | None = None
    try:
        data = pickle.dumps(taken, protocol=pickle.HIGHEST_PROTOCOL)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
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
