"""Hardware catalogue: accelerators, CPUs and cloud instance types, with fuzzy name matching.

People write the same GPU many ways ("a100 80gb", "NVIDIA A100-SXM4-80GB", "A100-80GB") and
often leave out what matters (form factor, memory). Matching is token-based, not a string
distance: every token the user typed must be in the candidate (so "80gb" never matches a
40 GB part, "ti" never matches a non-Ti card), and the candidate's model tokens must all be
typed. When several parts remain, the family's default is taken and the match is reported
as ``medium`` with the alternatives, so the guess is visible. Unknown names are errors
with suggestions, never a silent fallback.

A user catalogue (``--catalogue FILE``, CSV) adds or overrides rows; its rows win.
"""
from __future__ import annotations

import csv
import difflib
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._data import table
from .errors import UsageError

NOISE = {"nvidia", "tesla", "geforce", "quadro", "rtx", "gtx", "amd", "instinct", "radeon", "google", "gpu", "gpus",
         "tensor", "core", "card", "accelerator", "chip", "hbm2", "hbm2e", "hbm3", "hbm3e", "the", "with", "graphics",
         "datacenter", "data", "center", "pro"}
FORMS = {"sxm", "pcie", "nvl"}
CONFIDENCE = ("user", "exact", "high", "medium")


def _norm_text(s: str) -> str:
    s = s.lower()
    s = re.sub(r"\((r|tm)\)", " ", s)
    s = s.replace("pci-e", "pcie").replace("pci express", "pcie")
    s = s.replace("titan rtx", "titanrtx")
    s = re.sub(r"\btpu\s*-?\s*v?(\d+)", r" tpu v\1 ", s)
    s = re.sub(r"(\d+)\s*gb\b", r" \1gb ", s)
    s = re.sub(r"(\d+)\s*g\b", r" \1gb ", s)  # "a100 80g"
    s = re.sub(r"\bsxm\d?\b", " sxm ", s)
    s = re.sub(r"(\d)(ti)\b", r"\1 ti", s)
    return s


def gpu_tokens(s: str) -> frozenset[str]:
    """Tokens of a GPU name with vendor/marketing noise removed ('NVIDIA A100-SXM4-80GB' -> a100 sxm 80gb)."""
    toks = [t for t in re.split(r"[^a-z0-9]+", _norm_text(s)) if t and t not in NOISE]
    return frozenset(toks)


def _f(v: Any) -> float | None:
    try:
        return float(v) if v not in (None, "") else None
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class Accelerator:
    """One accelerator model (per card / chip)."""

    name: str
    vendor: str
    kind: str  # gpu | tpu
    tdp_w: float
    idle_w: float | None
    idle_source: str
    memory_gb: float | None
    embodied_kgco2e: float | None
    embodied_source: str
    lifetime_years: float | None
    lifetime_source: str
    source: str
    license: str
    year: int | None = None
    family: str = ""
    family_default: bool = False
    aliases: tuple[str, ...] = ()
    notes: str = ""
    user: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = {"name": self.name, "vendor": self.vendor, "kind": self.kind, "tdp_w": self.tdp_w, "idle_w": self.idle_w,
             "idle_source": self.idle_source, "memory_gb": self.memory_gb, "embodied_kgco2e": self.embodied_kgco2e,
             "embodied_source": self.embodied_source, "lifetime_years": self.lifetime_years,
             "lifetime_source": self.lifetime_source, "source": self.source, "license": self.license, "year": self.year}
        if self.notes:
            d["notes"] = self.notes
        return d


@dataclass(frozen=True)
class CpuModel:
    """A CPU model: TDP per socket and, where known, its core count."""

    name: str
    tdp_w: float
    cores: int | None
    idle_fraction: float
    idle_source: str
    source: str
    license: str
    user: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "tdp_w": self.tdp_w, "cores": self.cores, "idle_fraction": round(self.idle_fraction, 4),
                "idle_source": self.idle_source, "source": self.source, "license": self.license}


@dataclass(frozen=True)
class Match:
    """What a hardware name resolved to, and how sure we are."""

    query: str
    item: Any  # Accelerator | CpuModel
    confidence: str  # user | exact | high | medium
    why: str
    alternatives: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = {"query": self.query, "name": self.item.name, "confidence": self.confidence, "why": self.why}
        if self.alternatives:
            d["alternatives"] = list(self.alternatives)
        return d


@dataclass(frozen=True)
class Instance:
    """A cloud instance type and what it contains."""

    provider: str
    name: str
    accelerator: str | None
    accelerator_count: int
    cpu_model: str
    vcpus: int
    memory_gb: float | None
    platform_vcpus: float | None
    platform_gpus: float | None
    host_embodied_kgco2e: float | None
    source: str
    license: str
    year: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"provider": self.provider, "name": self.name, "accelerator": self.accelerator,
                "accelerator_count": self.accelerator_count, "cpu_model": self.cpu_model, "vcpus": self.vcpus,
                "memory_gb": self.memory_gb, "platform_vcpus": self.platform_vcpus, "platform_gpus": self.platform_gpus,
                "host_embodied_kgco2e": self.host_embodied_kgco2e, "source": self.source, "license": self.license,
                "year": self.year}


def _acc_from_row(r: dict[str, str], *, user: bool = False, source_default: str = "") -> Accelerator:
    aliases = tuple(a.strip() for a in (r.get("aliases") or "").split("|") if a.strip())
    return Accelerator(
        name=r["name"].strip(), vendor=(r.get("vendor") or "").strip(), kind=(r.get("kind") or "gpu").strip().lower(),
        tdp_w=float(r["tdp_w"]), idle_w=_f(r.get("idle_w")), idle_source=r.get("idle_source") or "",
        memory_gb=_f(r.get("memory_gb")), embodied_kgco2e=_f(r.get("embodied_kgco2e")),
        embodied_source=r.get("embodied_source") or "", lifetime_years=_f(r.get("lifetime_years")),
        lifetime_source=r.get("lifetime_source") or "", source=r.get("source") or source_default,
        license=r.get("license") or "", year=int(_f(r.get("year")) or 0) or None, family=r.get("family") or "",
        family_default=(r.get("family_default") or "").lower() in ("yes", "true", "1"), aliases=aliases,
        notes=r.get("notes") or "", user=user,
    )


@functools.lru_cache(maxsize=1)
def bundled_accelerators() -> tuple[Accelerator, ...]:
    return tuple(_acc_from_row(r) for r in table("gpus.csv"))


@functools.lru_cache(maxsize=1)
def _instances() -> dict[str, dict[str, str]]:
    return {_instance_key(r["instance"]): r for r in table("instances.csv")}


def _instance_key(s: str) -> str:
    k = re.sub(r"\s+", "_", s.strip().lower())
    return k[len("standard_"):] if k.startswith("standard_") else k


@functools.lru_cache(maxsize=1)
def _cpu_cores_index() -> dict[str, int]:
    from .cpuinfo import normalize

    out: dict[str, int] = {}
    for r in table("cpu_tdp.csv"):
        if r.get("cores"):
            key = " ".join(t for t in normalize(r["model"]).split() if t not in ("intel", "amd"))
            out.setdefault(key, int(float(r["cores"])))
    return out


def _cpu_idle_fraction(model_name: str) -> tuple[float, str]:
    """Idle/full-load power ratio for a CPU: CCF's SPECpower-derived per-vCPU min/max for its microarchitecture."""
    from .cpuinfo import CpuInfo, _coefficients, microarchitecture

    coefs = _coefficients()
    arch, how = microarchitecture(CpuInfo(model_name=model_name))
    if arch and arch in coefs:
        c = coefs[arch]
        return float(c["min_w_per_vcpu"]) / float(c["max_w_per_vcpu"]), f"{arch} idle/max per-vCPU ratio ({c['source']})"
    c = coefs["Average"]
    return float(c["min_w_per_vcpu"]) / float(c["max_w_per_vcpu"]), f"average idle/max per-vCPU ratio ({c['source']})"


class Catalogue:
    """Bundled accelerators, CPUs and instance types, plus an optional user CSV whose rows win."""

    USER_COLUMNS = ("name", "tdp_w")

    def __init__(self, user_file: str | Path | None = None):
        self.user_file = str(user_file) if user_file else None
        self.user_gpus: list[Accelerator] = []
        self.user_cpus: list[CpuModel] = []
        if user_file:
            self._load_user(Path(user_file))
        self.gpus: tuple[Accelerator, ...] = tuple(self.user_gpus) + bundled_accelerators()

    # -- user catalogue ------------------------------------------------------------------
    def _load_user(self, path: Path) -> None:
        from .textfile import read_text

        text = read_text(path, "catalogue file")
        rows = list(csv.DictReader(line for line in text.splitlines() if line.strip() and not line.startswith("#")))
        if not rows:
            raise UsageError(f"catalogue file '{path}' has no rows; expected a CSV header with at least: name,tdp_w")
        missing = [c for c in self.USER_COLUMNS if c not in rows[0]]
        if missing:
            raise UsageError(f"catalogue file '{path}' lacks column(s) {', '.join(missing)}; "
                             f"columns: name,kind,tdp_w[,idle_w,memory_gb,embodied_kgco2e,lifetime_years,cores,aliases,source]")
        for i, r in enumerate(rows, start=2):
            name = (r.get("name") or "").strip()
            tdp = _f(r.get("tdp_w"))
            if not name or tdp is None or not (0 < tdp <= 20000):
                raise UsageError(f"catalogue file '{path}' line {i}: need a name and a tdp_w in watts (0-20000)")
            kind = (r.get("kind") or "gpu").strip().lower()
            src = (r.get("source") or "").strip() or f"user catalogue {path.name}"
            if kind == "cpu":
                cores = _f(r.get("cores"))
                frac, how = _cpu_idle_fraction(name)
                idle = _f(r.get("idle_w"))
                if idle is not None:
                    frac, how = idle / tdp, f"user catalogue {path.name}"
                self.user_cpus.append(CpuModel(name, tdp, int(cores) if cores else None, frac, how, src, "user", user=True))
            elif kind in ("gpu", "tpu", "accelerator"):
                row = dict(r)
                row.update(kind="tpu" if kind == "tpu" else "gpu", source=src, license="user")
                for k, src_col in (("idle_w", "idle_source"), ("embodied_kgco2e", "embodied_source"),
                                   ("lifetime_years", "lifetime_source")):
                    if _f(r.get(k)) is not None:
                        row[src_col] = f"user catalogue {path.name}"
                self.user_gpus.append(_acc_from_row(row, user=True, source_default=src))
            else:
                raise UsageError(f"catalogue file '{path}' line {i}: kind '{kind}' is not gpu, tpu or cpu")

    # -- accelerators --------------------------------------------------------------------
    def match_gpu(self, query: str) -> Match:
        q = str(query or "").strip()
        if not q:
            raise UsageError("empty GPU model; pass e.g. --gpu A100-80GB:8 (see docs/estimate.md for the catalogue)")
        qt = gpu_tokens(q)
        qkey = q.lower()
        for a in self.user_gpus:  # user rows: a name/alias match, exact or by tokens
            if qkey in (a.name.lower(), *(x.lower() for x in a.aliases)) or qt in self._token_sets(a):
                return Match(q, a, "user", f"user catalogue {Path(self.user_file).name}")
        if not qt:
            raise UsageError(f"GPU model '{q}' has no model number; pass e.g. A100-80GB, H100, V100, T4")
        valid: list[tuple[Accelerator, bool]] = []
        for a in self.gpus:
            exact, ok = False, False
            for ts in self._token_sets(a):
                if self._fits(qt, ts):
                    ok = True
                    exact = exact or qt == ts
            if ok:
                valid.append((a, exact))
        if not valid:
            sugg = self.suggest_gpu(q)
            hint = f"; did you mean {' or '.join(repr(s) for s in sugg)}?" if sugg else ""
            raise UsageError(f"unknown GPU '{q}'{hint} (or add it with --catalogue FILE, or give --power-w W)")
        exacts = [a for a, e in valid if e]
        others = tuple(a.name for a, _ in valid)
        if exacts:
            best = exacts[0]
            alts = tuple(n for n in others if n != best.name)
            return Match(q, best, "exact", "name or alias match", alts)
        if len(valid) == 1:
            return Match(q, valid[0][0], "high", "the only catalogue model with these tokens")
        defaults = [a for a, _ in valid if a.family_default]
        fams = {a.family for a, _ in valid}
        if len(defaults) == 1 or (defaults and len(fams) == 1):
            best = defaults[0]
            why = f"several {best.family.upper()} variants fit; took the family default"
        else:
            best = min((a for a, _ in valid), key=lambda a: len(self._token_sets(a)[0] - qt))
            why = "several models fit; took the closest"
        alts = tuple(n for n in others if n != best.name)
        return Match(q, best, "medium", why, alts)

    @staticmethod
    @functools.lru_cache(maxsize=None)
    def _token_sets(a: Accelerator) -> tuple[frozenset[str], ...]:
        return (gpu_tokens(a.name), *(gpu_tokens(x) for x in a.aliases))

    @staticmethod
    def _fits(q: frozenset[str], c: frozenset[str]) -> bool:
        required = {t for t in c if t not in FORMS and not re.fullmatch(r"\d+gb", t)}
        if not required <= q:
            return False
        for t in q:
            if t in c:
                continue
            if t.isdigit() and f"{t}gb" in c:  # "a100 80" means 80 GB
                continue
            return False
        return True

    def suggest_gpu(self, q: str, n: int = 3) -> list[str]:
        names = {}
        for a in self.gpus:
            for x in (a.name, *a.aliases):
                names[" ".join(sorted(gpu_tokens(x)))] = a.name
                names[x.lower()] = a.name
        key = " ".join(sorted(gpu_tokens(q)))
        out: list[str] = []
        for m in difflib.get_close_matches(key, list(names), n=n * 4, cutoff=0.5) + \
                difflib.get_close_matches(q.lower(), list(names), n=n * 4, cutoff=0.5):
            if names[m] not in out:
                out.append(names[m])
        return out[:n]

    # -- CPUs ----------------------------------------------------------------------------
    def match_cpu(self, query: str) -> Match:
        from .cpuinfo import match_tdp, normalize

        q = str(query or "").strip()
        if not q:
            raise UsageError("empty CPU model; pass e.g. --cpu 'Xeon Gold 6148:2'")
        for c in self.user_cpus:
            if q.lower() == c.name.lower() or normalize(q) == normalize(c.name):
                return Match(q, c, "user", f"user catalogue {Path(self.user_file).name}")
        m = match_tdp(q)
        if m is None:
            raise UsageError(f"unknown CPU '{q}'; give the model number as in /proc/cpuinfo (e.g. 'Xeon Gold 6148', "
                             f"'EPYC 7763'), or add it with --catalogue FILE, or give --power-w W")
        key = " ".join(t for t in normalize(m.model).split() if t not in ("intel", "amd"))
        cores = _cpu_cores_index().get(key)
        frac, how = _cpu_idle_fraction(m.model)
        item = CpuModel(m.model, m.tdp_w, cores, frac, how, m.source, m.license)
        return Match(q, item, m.confidence, f"TDP table match (score {m.score:.2f})")

    # -- instances -----------------------------------------------------------------------
    def instance(self, query: str) -> Instance:
        q = str(query or "").strip()
        rows = _instances()
        r = rows.get(_instance_key(q))
        if r is None:
            keys = list(rows)
            sugg = [rows[k]["instance"] for k in difflib.get_close_matches(_instance_key(q), keys, n=3, cutoff=0.6)]
            hint = f"; did you mean {' or '.join(repr(s) for s in sugg)}?" if sugg else ""
            raise UsageError(f"unknown instance type '{q}'{hint} (the catalogue covers AWS, GCP and Azure types "
                             f"from Cloud Carbon Footprint plus current GPU types; else use --gpu/--cpu/--ram-gb)")
        return Instance(
            provider=r["provider"], name=r["instance"], accelerator=r["accelerator"] or None,
            accelerator_count=int(_f(r["accelerator_count"]) or 0), cpu_model=r["cpu_model"], vcpus=int(_f(r["vcpus"]) or 0),
            memory_gb=_f(r["memory_gb"]), platform_vcpus=_f(r["platform_vcpus"]), platform_gpus=_f(r["platform_gpus"]),
            host_embodied_kgco2e=_f(r["host_embodied_kgco2e"]), source=r["source"], license=r["license"],
            year=int(_f(r["year"]) or 0) or None,
        )

    def accelerator(self, name: str) -> Accelerator:
        for a in self.gpus:
            if a.name == name:
                return a
        return self.match_gpu(name).item


@functools.lru_cache(maxsize=8)
def _cached(user_file: str | None) -> Catalogue:
    return Catalogue(user_file)


def catalogue(user_file: str | Path | None = None) -> Catalogue:
    """The catalogue (bundled rows, plus a user CSV's when given). Bundled-only is cached."""
    if user_file is None:
        return _cached(None)
    return Catalogue(user_file)


def match_gpu(query: str, user_file: str | Path | None = None) -> Match:
    return catalogue(user_file).match_gpu(query)


def match_cpu(query: str, user_file: str | Path | None = None) -> Match:
    return catalogue(user_file).match_cpu(query)


def instance(query: str) -> Instance:
    return catalogue().instance(query)


def accelerators() -> tuple[Accelerator, ...]:
    return bundled_accelerators()


__all__ = ["Accelerator", "CpuModel", "Match", "Instance", "Catalogue", "catalogue", "match_gpu", "match_cpu",
           "instance", "accelerators", "gpu_tokens"]
