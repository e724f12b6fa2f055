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
