"""Mount brook_powerfs (tests/powerloss/powerfs.cc) for a test: a FUSE file system that keeps
unsynced writes in memory and drops them on `cut()`.

The backing directory is a private tmpfs, so the harness's own fsyncs cost nothing and a test
never leaves files on the real disk. Everything is torn down by `close()` (unmount, stop the
daemon, unmount the tmpfs), also after a failed test.
"""
import os
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BROOK_BIN = os.environ.get("BROOK_BIN", str(REPO / "build" / "brook"))
POWERFS_BIN = os.environ.get("BROOK_POWERFS_BIN",
                             str(Path(BROOK_BIN).parent / "tests" / "powerloss" / "brook_powerfs"))


def unavailable():
    """Why the harness cannot run here, or None."""
    if not os.path.exists(POWERFS_BIN):
        return f"{POWERFS_BIN} not built (needs libfuse3-dev: scripts/install-deps.sh)"
    if not os.path.exists("/dev/fuse"):
        return "/dev/fuse missing"
    if os.geteuid() != 0:
        return "needs root (tmpfs and FUSE mounts)"
    return None


class PowerFS:
    def __init__(self, root, size="768m"):
        self.root = Path(root)
        self.backing = self.root / "backing"
        self.mnt = self.root / "mnt"
        self.size = size
        self.proc = None
        self.tmpfs = False

    @property
    def control(self):
        return self.mnt / ".powerloss"

    def start(self):
        self.backing.mkdir(parents=True, exist_ok=True)
        self.mnt.mkdir(parents=True, exist_ok=True)
        if not self.tmpfs:
            subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={self.size}", "tmpfs", str(self.backing)],
                           check=True)
            self.tmpfs = True
        self.log = open(self.root / "powerfs.log", "ab")
        self.proc = subprocess.Popen([POWERFS_BIN, str(self.backing), str(self.mnt), "-f"],
                                     stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not os.path.ismount(self.mnt):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("brook_powerfs did not mount: "
                                   + (self.root / "powerfs.log").read_text(errors="replace")[-2000:])
            time.sleep(0.02)
        return self

    def command(self, text):
        fd = os.open(self.control, os.O_WRONLY)
        try:
            os.write(fd, text.encode())
        finally:
            os.close(fd)

    def status(self):
        """The control file's counters as a dict of ints."""
        text = self.control.read_text()
        return {k: int(v) for k, v in (kv.split("=") for kv in text.split())}

    def cut(self, keep=0.0, tear=False, seed=1):
        """Power cut: every write not fsynced is lost (except the kept/torn part)."""
        self.command(f"cut keep={keep} seed={seed}" + (" tear" if tear else ""))
        return self.status()

    def eio(self, mode, substring):
        self.command(f"eio {mode} {substring}")

    def eio_clear(self):
        self.command("eio clear")

    def unmount(self):
        if self.proc is None:
            return
        subprocess.run(["fusermount3", "-u", "-z", str(self.mnt)], capture_output=True)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        self.log.close()

    def close(self):
        self.unmount()
        if self.tmpfs:
            subprocess.run(["umount", "-l", str(self.backing)], capture_output=True)
            self.tmpfs = False
