"""brook_powerfs itself, mounted: unsynced writes vanish on a cut, fsynced ones stay; EIO
injection; the control file's errors. (lazy_cache_test.cc covers the page logic alone.)"""
import errno
import os

import pytest


def write(path, data, sync=False, offset=None):
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if offset is None:
            os.write(fd, data)
        else:
            os.pwrite(fd, data, offset)
        if sync:
            os.fdatasync(fd)
    finally:
        os.close(fd)


def test_cut_drops_unsynced_data_and_keeps_synced(powerfs):
    a, b = powerfs.mnt / "a", powerfs.mnt / "b"
    write(a, b"durable", sync=True)
    write(a, b"+lost", offset=7)
    write(b, b"never synced" * 1000)
    assert a.read_bytes() == b"durable+lost"
    assert b.stat().st_size == 12000
    assert (powerfs.backing / "b").stat().st_size == 0  # nothing reached the backing file
    st = powerfs.cut()
    assert st["cuts"] == 1 and st["dropped"] == 4 and st["dirty_pages"] == 0
    assert a.read_bytes() == b"durable"
    # Namespace operations are durable at once (documented limit): b exists, empty.
    assert b.read_bytes() == b""


def test_cut_keep_all_persists_everything(powerfs):
    p = powerfs.mnt / "k"
    write(p, os.urandom(3 * 4096))
    before = p.read_bytes()
    assert powerfs.cut(keep=1.0)["kept"] == 3
    assert p.read_bytes() == before


def test_torn_last_page_is_a_sector_aligned_prefix(powerfs):
    p = powerfs.mnt / "t"
    write(p, b"s" * 100, sync=True)
    write(p, b"x" * 4096, offset=4096)
    powerfs.cut(tear=True, seed=3)
    got = p.read_bytes()
    assert got.startswith(b"s" * 100)
    tail = got[4096:]
    assert len(tail) % 512 == 0 and len(tail) < 4096 and set(tail) <= {ord("x")}


def test_truncate_and_rename_through_the_mount(powerfs):
    p, q = powerfs.mnt / "d" / "seg.log", powerfs.mnt / "d" / "seg2.log"
    (powerfs.mnt / "d").mkdir()
    write(p, b"0123456789", sync=True)
    fd = os.open(p, os.O_RDWR)
    os.ftruncate(fd, 4)
    os.close(fd)
    assert p.read_bytes() == b"0123"
    os.rename(p, q)
    assert q.read_bytes() == b"0123"
    powerfs.cut()
    assert q.read_bytes() == b"0123456789"  # the shrink was never synced
    assert sorted(os.listdir(powerfs.mnt / "d")) == ["seg2.log"]


def test_eio_injection_by_path(powerfs):
    good, bad = powerfs.mnt / "good", powerfs.mnt / "bad.log"
    write(good, b"g", sync=True)
    write(bad, b"b", sync=True)
    powerfs.eio("rw", "bad.log")
    with pytest.raises(OSError) as e:
        bad.read_bytes()
    assert e.value.errno == errno.EIO
    with pytest.raises(OSError) as e:
        write(bad, b"more")
    assert e.value.errno == errno.EIO
    assert good.read_bytes() == b"g"
    powerfs.eio_clear()
    assert bad.read_bytes() == b"b"


def test_bad_commands_are_rejected(powerfs):
    for bad in ["", "explode", "cut keep=x", "cut sideways", "eio maybe x", "eio read"]:
        with pytest.raises(OSError) as e:
            powerfs.command(bad or " ")
        assert e.value.errno == errno.EINVAL, bad
