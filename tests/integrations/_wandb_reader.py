"""Read back what W&B writes in offline mode: the records of a run's ``run-<id>.wandb`` file.

The file is wandb's transaction log: a 7-byte header (``:W&B``, magic 0xBEE1, version 0), then
LevelDB-log blocks of 32 KiB whose records (checksum, length, type FULL/FIRST/MIDDLE/LAST)
carry serialized ``wandb_internal_pb2.Record`` messages. wandb 0.31 no longer ships a Python
reader (its Go core writes the file), so this one follows the format, checksums included.
"""
from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

BLOCK = 32768
HEADER = struct.Struct("<4sHB")
REC = struct.Struct("<IHB")
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


def _records(data: bytes):
    ident, magic, version = HEADER.unpack_from(data, 0)
    assert (ident, magic, version) == (b":W&B", 0xBEE1, 0), (ident, magic, version)
    pos, buf = HEADER.size, b""
    while pos + REC.size <= len(data):
        room = BLOCK - pos % BLOCK
        if room < REC.size:  # the rest of a block too short for a header is padding
            pos += room
            continue
        crc, length, kind = REC.unpack_from(data, pos)
        if length == 0 and kind == 0:
            pos += room
            continue
        chunk = data[pos + REC.size: pos + REC.size + length]
        assert zlib.crc32(bytes([kind]) + chunk) & 0xFFFFFFFF == crc, f"bad checksum at {pos}"
        pos += REC.size + length
        if kind == FULL:
            yield chunk
        elif kind == FIRST:
            buf = chunk
        elif kind == MIDDLE:
            buf += chunk
        elif kind == LAST:
            yield buf + chunk
            buf = b""


def read_run(run_dir: Path) -> dict:
    """{"history": [{key: value}], "summary": {key: value}, "config": {key: value}} of one offline run."""
    from wandb.proto import wandb_internal_pb2 as pb

    f = next(Path(run_dir).glob("run-*.wandb"))
    out: dict = {"history": [], "summary": {}, "config": {}}
    for raw in _records(f.read_bytes()):
        r = pb.Record()
        r.ParseFromString(raw)
        kind = r.WhichOneof("record_type")
        if kind == "history":
            out["history"].append({i.key or "/".join(i.nested_key): json.loads(i.value_json) for i in r.history.item})
        elif kind == "summary":
            for i in r.summary.update:
                out["summary"][i.key or "/".join(i.nested_key)] = json.loads(i.value_json)
        elif kind == "config":
            for i in r.config.update:
                out["config"][i.key or "/".join(i.nested_key)] = json.loads(i.value_json)
    return out
