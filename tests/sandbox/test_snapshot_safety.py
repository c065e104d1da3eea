"""A snapshot is a pickle: only one this user's own sandbox wrote, in a directory only this user can
change, is ever unpickled. Planted files, links and loose modes are refused with a warning, and the
estate is built afresh. Each case plants a pickle whose unpickling would leave a marker file."""

from __future__ import annotations

import os
import pickle

import pytest

from console.sandbox import snapshot


class _Marker:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))  # unpickling it creates the marker: code run from the cache


@pytest.fixture
def planted(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    marker = tmp_path / "ran"
    evil = tmp_path / "evil.pickle"
    evil.write_bytes(pickle.dumps(_Marker(str(marker))))
    evil.chmod(0o600)
    path = snapshot._path()
    path.parent.mkdir(mode=0o700, parents=True)
    return path, evil, marker


def refused(caplog, marker) -> str:
    assert snapshot.restore("123456789012", ("us-east-1",)) is None
    assert not marker.exists(), "the planted pickle was loaded"
    return caplog.text


def test_a_link_planted_at_the_snapshot_path_is_refused(planted, caplog):
    path, evil, marker = planted
    path.symlink_to(evil)
    assert "symbolic link" in refused(caplog, marker)


def test_a_snapshot_readable_or_writable_by_others_is_refused(planted, caplog):
    path, evil, marker = planted
    path.write_bytes(evil.read_bytes())
    for mode in (0o644, 0o660, 0o606):
        path.chmod(mode)
        assert "open to others" in refused(caplog, marker)


def test_a_directory_others_can_change_is_refused(planted, caplog):
    path, evil, marker = planted
    path.write_bytes(evil.read_bytes())
    path.chmod(0o600)
    path.parent.chmod(0o777)
    assert "directory" in refused(caplog, marker) and "open to others" in caplog.text


def test_a_linked_snapshot_directory_is_refused(planted, tmp_path, caplog):
    path, evil, marker = planted
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (elsewhere / path.name).write_bytes(evil.read_bytes())
    (elsewhere / path.name).chmod(0o600)
    path.parent.rmdir()
    path.parent.symlink_to(elsewhere)
    refused(caplog, marker)


def test_a_private_snapshot_of_this_user_is_read(planted):
    path, evil, marker = planted
    path.write_bytes(pickle.dumps({"account": "other", "regions": ()}))
    path.chmod(0o600)
    assert snapshot.restore("123456789012", ("us-east-1",)) is None  # read, but for another estate
    assert os.stat(path).st_uid == os.getuid()
