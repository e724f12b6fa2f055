"""The tracked processes and the machine: CPU time, resident memory, allocation limits.

Everything reads /proc and cgroup files directly (no psutil) so the sampler stays cheap.
``root`` arguments exist so tests can point at a fake tree.
"""
from __future__ import annotations

import os
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _read(path: str) -> bytes:
    """One small /proc file with three syscalls (no Python file object: this runs every tick)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, 4096)
    finally:
        os.close(fd)


def _stat_fields(pid: int | str) -> list[bytes] | None:
    try:
        data = _read(f"/proc/{pid}/stat")
    except OSError:
        return None
    # comm may contain spaces and parentheses: split after the last ')'
    return data[data.rfind(b")") + 2:].split()


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return kids
    for tid in tids:
        try:
            kids.extend(int(x) for x in _read(f"/proc/{pid}/task/{tid}/children").split())
        except OSError:
            continue
    return kids


_MY_PID = os.getpid()
_OWN_STATM: list = [None, -1]  # [pid, fd] of this process's /proc/<pid>/statm, kept open


def _after_fork() -> None:
    global _MY_PID
    _MY_PID = os.getpid()
    if _OWN_STATM[0] is not None:  # the inherited descriptor reads the parent's statm
        try:
            os.close(_OWN_STATM[1])
        except OSError:
            pass
    _OWN_STATM[:] = [None, -1]


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def _own_rss_pages() -> int | None:
    """This process's resident pages via one pread of /proc/<pid>/statm, opened once per process."""
    pid, fd = _OWN_STATM
    try:
        if pid != _MY_PID:
            fd = os.open(f"/proc/{_MY_PID}/statm", os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            _OWN_STATM[:] = [_MY_PID, fd]
        return int(os.pread(fd, 512, 0).split()[1])
    except (OSError, AttributeError, IndexError, ValueError):
        return None


_WAIT_FLAGS = getattr(os, "WEXITED", 0) | getattr(os, "WNOHANG", 0) | getattr(os, "WNOWAIT", 0)


def _has_children() -> bool | None:
    """Whether this process has any child (running or not yet reaped); None when it cannot tell.

    ``waitid(WNOWAIT)`` reaps nothing, so the host program's own waits are unaffected.
    """
    if not hasattr(os, "waitid"):
        return None
    try:
        os.waitid(os.P_ALL, 0, _WAIT_FLAGS)
        return True
    except ChildProcessError:
        return False
    except OSError:
        return None


class ProcessTree:
    """CPU seconds and RSS of a process and all its live descendants.

    CPU time includes children already reaped by a member of the tree (``cutime``/``cstime``),
    so work done by short-lived helpers is not lost. After the root is reaped, ``finalize``
    freezes the exact total from ``wait4``'s rusage.
    """

    def __init__(self, pid: int | None = None, *, attach_later: bool = False):
        self.pid = None if attach_later else (pid if pid is not None else os.getpid())
        self.cpu_s = 0.0
        self.rss_bytes = 0
        self.peak_rss_bytes = 0
        self._final: float | None = None
        self.live_polls = 0
        self.poll()

    def attach(self, pid: int) -> None:
        """Start following a freshly spawned child: all of its CPU time belongs to the run."""
        self.pid = pid
        self.poll()

    def poll(self) -> tuple[float, int]:
        if self.pid is None:
            return 0.0, 0
        if self._final is not None:  # reaped: the memory was held until exit, keep the last figure
            self.cpu_s = self._final
            return self.cpu_s, self.rss_bytes
        self.live_polls += 1
        if self.pid == _MY_PID and _has_children() is False:
            # The usual library case: this process alone. times() is the thread group's
            # utime+stime+cutime+cstime (what /proc/<pid>/stat reports), and statm's resident
            # pages are stat's rss: two cheap syscalls instead of walking /proc (seven, each
            # 10-25 us when the caches are cold, as they are once a second).
            pages = _own_rss_pages()
            if pages is not None:
                t = os.times()
                cpu = t[0] + t[1] + t[2] + t[3]
                rss = pages * PAGE
                if cpu > self.cpu_s:
                    self.cpu_s = cpu
                self.rss_bytes = rss
                if rss > self.peak_rss_bytes:
                    self.peak_rss_bytes = rss
                return self.cpu_s, rss
        ticks = 0
        rss_pages = 0
        stack = [self.pid]
        seen = set()
        alive: dict[int, float] = {}
        while stack:
            pid = stack.pop()
            if pid in seen:
                continue
            seen.add(pid)
            f = _stat_fields(pid)
            if f is None:
                continue
            # fields after comm: state(0) ... utime(11) stime(12) cutime(13) cstime(14) ... rss(21)
            t = int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])
            ticks += t
            alive[pid] = t
            rss_pages += int(f[21])
            stack.extend(_children(pid))
        # A descendant that exits and is reaped moves its time into its parent's cutime;
        # one that exited but was reaped by an outsider would vanish: keep the high-water mark.
        cpu = ticks / CLK_TCK
        self.cpu_s = max(self.cpu_s, cpu)
        self.rss_bytes = rss_pages * PAGE
        self.peak_rss_bytes = max(self.peak_rss_bytes, self.rss_bytes)
        return self.cpu_s, self.rss_bytes

    def finalize(self, cpu_seconds: float, max_rss_bytes: int | None = None) -> None:
        """Freeze the totals from ``wait4``'s rusage once the root is reaped.

        A job shorter than a couple of sampling intervals was seen resident only as it started
        (before it allocated anything); its peak RSS (``ru_maxrss``, the largest single process
        of the tree) stands in for its memory then.
        """
        self._final = max(self.cpu_s, cpu_seconds)
        self.cpu_s = self._final
        if max_rss_bytes and self.live_polls <= 2 and max_rss_bytes > self.rss_bytes:
            self.rss_bytes = int(max_rss_bytes)
            self.peak_rss_bytes = max(self.peak_rss_bytes, self.rss_bytes)


def node_cpu_busy_s(proc: str = "/proc") -> float:
    """Busy CPU seconds of the whole machine since boot (user+nice+system+irq+softirq)."""
    with open(f"{proc}/stat", "rb") as f:
        return _busy_of(f.readline())


def _busy_of(line: bytes) -> float:
    parts = line.split()
    user, nice, system, idle, iowait, irq, softirq = (int(x) for x in parts[1:8])
    return (user + nice + system + irq + softirq) / CLK_TCK


class NodeUsage:
    """The machine's busy CPU seconds and installed memory: the denominators of the attribution rule.

    ``poll()`` runs once per sampler tick: one pread of /proc/stat on a descriptor kept open
    (reopened after a fork), so a tick opens no file.
    """

    def __init__(self, proc: str = "/proc"):
        self.proc = proc
        self._fd: list = [None, -1]  # [pid, fd]
        self.cpu_busy_s = 0.0
        self.mem_total_bytes = host_memory_bytes(proc) or 0
        self.poll()

    def poll(self) -> float:
        pid, fd = self._fd
        try:
            if pid != _MY_PID:
                fd = os.open(f"{self.proc}/stat", os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
                self._fd[:] = [_MY_PID, fd]
            busy = _busy_of(os.pread(fd, 512, 0).split(b"\n", 1)[0])
        except (OSError, ValueError, AttributeError):
            busy = node_cpu_busy_s(self.proc)
        if busy > self.cpu_busy_s:
            self.cpu_busy_s = busy
        return self.cpu_busy_s

    def close(self) -> None:
        pid, fd = self._fd
        if pid == _MY_PID and fd >= 0:
            try:
                os.close(fd)
            except OSError:
                pass
        self._fd[:] = [None, -1]


def host_cpus() -> int:
    return os.cpu_count() or 1


def _cgroup_dirs(controller: str) -> list[Path]:
    """Candidate cgroup directories for this process (v2 unified first, then v1)."""
    dirs: list[Path] = []
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return dirs
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, ctrls, path = parts
        path = path.lstrip("/")
        if ctrls == "":
            base = Path("/sys/fs/cgroup")
        elif controller in ctrls.split(","):
            base = Path("/sys/fs/cgroup") / ctrls
            if not base.exists():
                base = Path("/sys/fs/cgroup") / controller
        else:
            continue
        # Inside a container the cgroup namespace root is mounted at /sys/fs/cgroup itself.
        for cand in (base / path, base):
            if cand.is_dir() and cand not in dirs:
                dirs.append(cand)
    return dirs


def host_memory_bytes(proc: str = "/proc") -> int | None:
    try:
        for line in Path(f"{proc}/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def memory_limit_bytes() -> tuple[int | None, str | None]:
    """The job's memory allocation from cgroups, when one is set below the host's RAM."""
    host = host_memory_bytes() or 1 << 62
    for d in _cgroup_dirs("memory"):
        for fname in ("memory.max", "memory.limit_in_bytes"):
            p = d / fname
            try:
                raw = p.read_text().strip()
            except OSError:
                continue
            if raw == "max":
                continue
            try:
                v = int(raw)
            except ValueError:
                continue
            if 0 < v < host:
                return v, str(p)
    return None, None


def allocated_cpus() -> tuple[float, str]:
    """vCPUs this process may use: CPU affinity, capped by a cgroup CPU quota."""
    try:
        n: float = float(len(os.sched_getaffinity(0)))
        src = "sched_getaffinity"
    except (AttributeError, OSError):
        n, src = float(host_cpus()), "os.cpu_count"
    for d in _cgroup_dirs("cpu"):
        try:
            raw = (d / "cpu.max").read_text().split()
            if raw and raw[0] != "max":
                q = int(raw[0]) / int(raw[1])
                if q < n:
                    n, src = q, str(d / "cpu.max")
                break
        except (OSError, ValueError, IndexError):
            pass
        try:
            quota = int((d / "cpu.cfs_quota_us").read_text())
            period = int((d / "cpu.cfs_period_us").read_text())
            if quota > 0 and quota / period < n:
                n, src = quota / period, str(d / "cpu.cfs_quota_us")
            break
        except (OSError, ValueError):
            pass
    return n, src


def slurm_allocation() -> tuple[float | None, int | None]:
    """vCPUs and memory Slurm reserved for this job on this node (None where it does not say)."""
    cpus = mem = None
    try:
        if os.environ.get("SLURM_CPUS_ON_NODE"):
            cpus = float(os.environ["SLURM_CPUS_ON_NODE"])
        if os.environ.get("SLURM_MEM_PER_NODE"):
            mem = int(os.environ["SLURM_MEM_PER_NODE"]) * 1024 * 1024  # MB
        elif os.environ.get("SLURM_MEM_PER_CPU") and cpus:
            mem = int(int(os.environ["SLURM_MEM_PER_CPU"]) * 1024 * 1024 * cpus)
    except ValueError:
        pass
    return cpus, mem


def allocation():
    """What was reserved for this job: vCPUs (affinity, CPU quota, Slurm) and memory (cgroup limit, Slurm)."""
    from .measure.attribution import Allocation

    cpus, cpus_from = allocated_cpus()
    s_cpus, s_mem = slurm_allocation()
    if s_cpus and s_cpus < cpus:
        cpus, cpus_from = s_cpus, "SLURM_CPUS_ON_NODE"
    host = host_memory_bytes()
    mem, where = memory_limit_bytes()
    mem_from = f"cgroup memory limit ({where})" if mem else "no memory limit: the node's memory"
    if s_mem and (mem is None or s_mem < mem) and (host is None or s_mem < host):
        mem, mem_from = s_mem, "Slurm memory allocation (SLURM_MEM_PER_NODE/CPU)"
    return Allocation(cpus, float(host_cpus()), cpus_from, mem, host, mem_from)
