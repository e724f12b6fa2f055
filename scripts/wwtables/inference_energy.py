"""Reference GPU energy per query by task and GPU, for the energy rating (wattwise.evaluate.rating).

- inference_energy_reference.csv: one row per (task, model, GPU) of the ML.ENERGY Leaderboard
  v3.0 (Chung et al., "The ML.ENERGY Benchmark", NeurIPS 2025 D&B; data Apache-2.0, from the
  upstream task files public/data/tasks/*.json of ml-energy/leaderboard@0cd52da, last updated
  2026-02-16): the model's lowest GPU energy per query over the configurations measured (GPU
  count, batch setting), in joules and watt-hours, with that configuration. A query is one
  response (LLM/MLLM tasks), one image or one video (diffusion tasks). GPU energy only: no CPU,
  RAM, host or PUE, as in the AI Energy Score's method, whose five-equal-bands star rule the
  rating applies to these figures.
"""
from __future__ import annotations

import json
from pathlib import Path

from ._util import write_csv

OUTPUTS = ["inference_energy_reference.csv"]

SOURCE = ("ML.ENERGY Leaderboard v3.0, min GPU energy per query over configurations "
          "(ml-energy/leaderboard@0cd52da public/data/tasks; Chung et al. NeurIPS 2025)")
LICENSE = "Apache-2.0"
YEAR = 2026  # index.json: "last_updated": "2026-02-16"
# upstream key of the per-query energy, and what one query is, per architecture
ENERGY_KEYS = (("energy_per_request_joules", "response"), ("energy_per_image_joules", "image"),
               ("energy_per_video_joules", "video"))
HEADER = ["task", "task_name", "query", "model_id", "model_name", "gpu_model", "num_gpus", "batch_setting",
          "energy_per_query_j", "energy_per_query_wh", "source", "year", "license"]


def _energy(cfg: dict) -> tuple[float, str]:
    for key, query in ENERGY_KEYS:
        if cfg.get(key) is not None:
            return float(cfg[key]), query
    raise ValueError(f"configuration without a per-query energy: {sorted(cfg)}")


def build(shared: Path, out: Path) -> None:
    tasks = sorted((shared / "ai-energy-score" / "mlenergy-v3-json" / "tasks").glob("*.json"))
    rows = []
    for path in tasks:
        doc = json.loads(path.read_text(encoding="utf-8"))
        best: dict[tuple[str, str], tuple] = {}
        for cfg in doc["configurations"]:
            joules, query = _energy(cfg)
            batch = cfg.get("max_num_seqs", cfg.get("batch_size"))
            key = (cfg["model_id"], cfg["gpu_model"])
            cand = (joules, int(cfg["num_gpus"]), int(batch), cfg.get("nickname") or cfg["model_id"], query)
            if key not in best or cand[:3] < best[key][:3]:
                best[key] = cand
        for (model, gpu), (joules, gpus, batch, nick, query) in sorted(best.items()):
            rows.append([doc["task"], doc["task_display_name"], query, model, nick, gpu, gpus, batch, joules,
                         joules / 3600.0, SOURCE, YEAR, LICENSE])
    rows.sort(key=lambda r: (r[0], r[5], r[8], r[3]))
    write_csv(out / OUTPUTS[0], HEADER, rows,
              comment="GPU energy per query (response, image or video): each model's lowest over the configurations "
                      "measured.\nML.ENERGY Leaderboard v3.0 data (Apache-2.0); rating method: AI Energy Score (MIT).")
