"""Launcher environments (torchrun/DDP, Slurm, Open MPI): who samples the node's devices.

Exactly one process per node (local rank 0) measures the node's devices in node scope; the
others record their rank and defer, so energy is never counted once per rank. No lock files.
"""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class RankInfo:
    """This process's place in a launcher's world (ranks, local rank, world size, which launcher)."""

    rank: int
    local_rank: int
    world_size: int
    launcher: str

    @property
    def samples_node(self) -> bool:
        return self.local_rank == 0

    def to_dict(self) -> dict:
        return {"rank": self.rank, "local_rank": self.local_rank, "world_size": self.world_size, "launcher": self.launcher}


def _int(env, *names):
    for n in names:
        v = env.get(n)
        if v not in (None, ""):
            try:
                return int(v)
            except ValueError:
                pass
    return None


def rank_info(env=None) -> RankInfo | None:
    env = os.environ if env is None else env
    candidates = (
        ("torchrun", ("RANK",), ("LOCAL_RANK",), ("WORLD_SIZE",)),
        ("slurm", ("SLURM_PROCID",), ("SLURM_LOCALID",), ("SLURM_NTASKS", "SLURM_NPROCS")),
        ("openmpi", ("OMPI_COMM_WORLD_RANK",), ("OMPI_COMM_WORLD_LOCAL_RANK",), ("OMPI_COMM_WORLD_SIZE",)),
    )
    for launcher, r, lr, ws in candidates:
        world = _int(env, *ws)
        if world is None or world <= 1:
            continue
        rank = _int(env, *r) or 0
        local = _int(env, *lr)
        if local is None:
            local = rank
        return RankInfo(rank, local, world, launcher)
    return None


@dataclass(frozen=True)
class JobInfo:
    """The batch job this process runs in, as its scheduler's environment describes it.

    ``job_id`` is what ``wattwise runs list --job`` takes: for a Slurm array task it is the
    array's job id, with the task in ``array_task`` (sacct prints such a task as ``1234_5``).
    """

    scheduler: str  # slurm | torchrun
    job_id: str
    array_task: str | None = None
    node_list: str | None = None
    nodes: int | None = None
    account: str | None = None
    partition: str | None = None
    name: str | None = None
    node: str | None = None
    slurm_job_id: str | None = None  # the task's own SLURM_JOB_ID when it differs from job_id (arrays)

    @property
    def label(self) -> str:
        return self.job_id if self.array_task is None else f"{self.job_id}_{self.array_task}"

    def to_dict(self) -> dict:
        d = {"scheduler": self.scheduler, "job_id": self.job_id, "array_task": self.array_task,
             "node_list": self.node_list, "nodes": self.nodes, "account": self.account,
             "partition": self.partition, "name": self.name, "node": self.node}
        if self.slurm_job_id is not None:
            d["slurm_job_id"] = self.slurm_job_id
        return d


def _str(env, *names) -> str | None:
    for n in names:
        v = env.get(n)
        if v not in (None, ""):
            return v
    return None


def job_info(env=None) -> JobInfo | None:
    """Slurm's job (``SLURM_JOB_ID`` ...) or else torchrun's rendezvous (``TORCHELASTIC_RUN_ID``); None outside both."""
    env = os.environ if env is None else env
    sid = _str(env, "SLURM_JOB_ID", "SLURM_JOBID")
    if sid is not None:
        array = _str(env, "SLURM_ARRAY_JOB_ID")
        task = _str(env, "SLURM_ARRAY_TASK_ID") if array else None
        return JobInfo("slurm", array or sid, task, _str(env, "SLURM_JOB_NODELIST", "SLURM_NODELIST"),
                       _int(env, "SLURM_JOB_NUM_NODES", "SLURM_NNODES"), _str(env, "SLURM_JOB_ACCOUNT"),
                       _str(env, "SLURM_JOB_PARTITION"), _str(env, "SLURM_JOB_NAME"), _str(env, "SLURMD_NODENAME"),
                       sid if array and array != sid else None)
    rid = _str(env, "TORCHELASTIC_RUN_ID")
    if rid is not None and rid != "none":
        return JobInfo("torchrun", rid, nodes=_int(env, "PET_NNODES"))
    return None
