"""What CPU this is, and the power figures we can honestly attach to it.

Peers look the bare model string up in a TDP table; on a VM that string is often just
"AMD EPYC", which matches some 180 W part and turns two vCPUs into a server socket. We
require a model number for a TDP match, and on a VM (or without a match) use Cloud Carbon
Footprint's per-vCPU min/max watts for the microarchitecture, found from the model name or
from the CPUID family/model that /proc/cpuinfo reports.
"""
from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from typing import Any

from ._data import open_table, table


@dataclass(frozen=True)
class CpuInfo:
    """The CPU as /proc/cpuinfo describes it (first processor, thread count, sockets, VM flag)."""

    vendor: str = ""
    model_name: str = ""
    family: int | None = None
    model: int | None = None
    stepping: int | None = None
    logical_cpus: int = 1
    sockets: int = 1
    hypervisor: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"vendor": self.vendor, "model_name": self.model_name, "family": self.family, "model": self.model,
                "logical_cpus": self.logical_cpus, "sockets": self.sockets, "virtual_machine": self.hypervisor}


def read_cpuinfo(path: str = "/proc/cpuinfo") -> CpuInfo:
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return CpuInfo(logical_cpus=os.cpu_count() or 1)
    blocks = [b for b in text.split("\n\n") if b.strip()]
    first: dict[str, str] = {}
    phys = set()
    for b in blocks:
        kv = {}
        for line in b.splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                kv[k.strip()] = v.strip()
        if not first:
            first = kv
        if "physical id" in kv:
            phys.add(kv["physical id"])

    def _int(k):
        try:
            return int(first[k], 0) if first.get(k, "").startswith("0x") else int(first[k])
        except (KeyError, ValueError):
            return None

    name = first.get("model name") or first.get("Model Name") or first.get("cpu model") or ""
    if not name and first.get("CPU implementer"):
        name = f"ARM implementer {first.get('CPU implementer')} part {first.get('CPU part', '?')}"
    return CpuInfo(
        vendor=first.get("vendor_id", ""),
        model_name=re.sub(r"\s+", " ", name).strip(),
        family=_int("cpu family"),
        model=_int("model"),
        stepping=_int("stepping"),
        logical_cpus=len(blocks) or (os.cpu_count() or 1),
        sockets=max(1, len(phys)),
        hypervisor=" hypervisor" in f" {first.get('flags', '')} ",
    )


_NOISE = re.compile(r"\((r|tm)\)|\bcpu\b|\bprocessor\b|@.*$|\b\d+-core\b|\bwith radeon.*$|\bsmt\b", re.I)


def normalize(name: str) -> str:
    s = _NOISE.sub(" ", name)
    s = re.sub(r"[^\w\-+ ]", " ", s)
    return re.sub(r"\s+", " ", s).strip().lower()


@dataclass(frozen=True)
class TdpMatch:
    """A TDP table row matched to a model name, with how sure the match is."""

    model: str
    tdp_w: float
    confidence: str  # exact | high | medium
    score: float
    source: str
    license: str

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "tdp_w": self.tdp_w, "confidence": self.confidence,
                "score": round(self.score, 3), "source": self.source, "license": self.license}


@functools.lru_cache(maxsize=1)
def _tdp_index() -> tuple[dict[str, dict[str, str]], dict[str, list[str]]]:
    by_norm: dict[str, dict[str, str]] = {}
    by_token: dict[str, list[str]] = {}
    for row in table("cpu_tdp.csv"):
        n = normalize(row["model"])
        by_norm.setdefault(n, row)
        for tok in n.split():
            if any(c.isdigit() for c in tok):
                by_token.setdefault(tok, []).append(n)
    return by_norm, by_token


def _rows_mentioning(name: str, needles) -> list[dict[str, str]]:
    """Rows of a bundled table whose raw line contains one of ``needles`` (lower case), in table order.

    Start-up budget: normalising every row of a large table costs tens of milliseconds, and a
    model number or fragment can only match a row whose text contains it, so the rest is never
    parsed. Every table read this way has one row per line (no quoted newlines).
    """
    import csv

    with open_table(name) as f:
        lines = [ln for ln in f if not ln.startswith("#")]
    if not lines:
        return []
    hits = []
    for ln in lines[1:]:
        low = ln.lower()
        for n in needles:
            if n in low:
                hits.append(ln)
                break
    return list(csv.DictReader([lines[0], *hits]))


def _digit_tokens(normalized: str) -> list[str]:
    return [t for t in normalized.split() if any(c.isdigit() for c in t)]


@functools.lru_cache(maxsize=64)
def _tdp_index_for(numbers: tuple[str, ...]) -> tuple[dict[str, dict[str, str]], dict[str, list[str]]]:
    """``_tdp_index`` restricted to rows that mention one of the model numbers (same results for them)."""
    by_norm: dict[str, dict[str, str]] = {}
    by_token: dict[str, list[str]] = {}
    for row in _rows_mentioning("cpu_tdp.csv", numbers):
        n = normalize(row["model"])
        by_norm.setdefault(n, row)
        for tok in n.split():
            if any(c.isdigit() for c in tok):
                by_token.setdefault(tok, []).append(n)
    return by_norm, by_token


def match_tdp(name: str) -> TdpMatch | None:
    """Match a CPU model string to the TDP table. Needs a model number: 'AMD EPYC' alone matches nothing."""
    q = normalize(name)
    numbers = _digit_tokens(q)
    if not numbers:
        return None
    # A match needs one of the query's model numbers as a token of the row, hence in its text.
    by_norm, by_token = _tdp_index_for(tuple(sorted(set(numbers))))

    def mk(key: str, conf: str, score: float) -> TdpMatch:
        r = by_norm[key]
        return TdpMatch(r["model"], float(r["tdp_w"]), conf, score, r["source"], r["license"])

    if q in by_norm:
        return mk(q, "exact", 1.0)
    qtok = set(q.split())
    cands = {c for t in numbers for c in by_token.get(t, [])}
    best = None
    for c in cands:
        ctok = set(c.split())
        cnum = {t for t in ctok if any(ch.isdigit() for ch in t)}
        if not cnum or not cnum <= qtok:
            continue  # the candidate's model number must appear in the query
        import difflib

        score = difflib.SequenceMatcher(None, q, c).ratio()
        if ctok <= qtok:
            score = max(score, 0.95)
        if best is None or score > best[1]:
            best = (c, score)
    if best and best[1] >= 0.6:
        return mk(best[0], "high" if best[1] >= 0.9 else "medium", best[1])
    return None


@functools.lru_cache(maxsize=1)
def _coefficients() -> dict[str, dict[str, str]]:
    return {r["architecture"]: r for r in table("cpu_vcpu_coefficients.csv")}


@functools.lru_cache(maxsize=1)
def _arch_fragments() -> list[tuple[str, str]]:
    frags = [(normalize(r["model_fragment"]), r["architecture"]) for r in table("cpu_microarchitectures.csv")]
    return sorted(frags, key=lambda x: -len(x[0]))


def _arch_fragments_for(q: str) -> list[tuple[str, str]]:
    """The (fragment, architecture) pairs that can match the normalised name ``q``, longest first.

    A fragment matches only as whole tokens of ``q`` and must hold a digit, so its row's text
    contains one of ``q``'s digit tokens: the other rows are skipped unparsed (see
    ``_rows_mentioning``). Same order and result as scanning ``_arch_fragments()``.
    """
    numbers = _digit_tokens(q)
    if not numbers:
        return []
    rows = _rows_mentioning("cpu_microarchitectures.csv", numbers)
    frags = [(normalize(r["model_fragment"]), r["architecture"]) for r in rows]
    return sorted(frags, key=lambda x: -len(x[0]))


def _arch_from_cpuid(info: CpuInfo) -> str | None:
    fam, mod = info.family, info.model
    if fam is None or mod is None:
        return None
    if "AMD" in info.vendor:
        if fam == 0x17:
            return "EPYC 2nd Gen" if mod >= 0x30 else "EPYC 1st Gen"
        if fam == 0x19:
            return "EPYC 4th Gen" if (0x10 <= mod <= 0x1F or 0xA0 <= mod <= 0xAF) else "EPYC 3rd Gen"
        if fam == 0x1A:
            return "EPYC 5th Gen"
    if "Intel" in info.vendor and fam == 6:
        return {
            0x2D: "Sandy Bridge", 0x2A: "Sandy Bridge", 0x3E: "Ivy Bridge", 0x3A: "Ivy Bridge",
            0x3F: "Haswell", 0x3C: "Haswell", 0x4F: "Broadwell", 0x56: "Broadwell", 0x3D: "Broadwell",
            0x55: "Cascade Lake" if (info.stepping or 0) >= 5 else "Skylake", 0x5E: "Skylake", 0x4E: "Skylake",
            0x9E: "Coffee Lake", 0x6A: "Ice Lake", 0x6C: "Ice Lake", 0x8F: "Sapphire Rapids",
            0xCF: "Emerald Rapids", 0xAD: "Granite Rapids", 0xAE: "Granite Rapids",
        }.get(mod)
    return None


def microarchitecture(info: CpuInfo) -> tuple[str | None, str]:
    """(architecture, how it was found)."""
    norm = normalize(info.model_name)
    q = f" {norm} "
    for frag, arch in _arch_fragments_for(norm):
        if frag and any(c.isdigit() for c in frag) and f" {frag} " in q:
            return arch, f"model name contains '{frag}'"
    arch = _arch_from_cpuid(info)
    if arch:
        return arch, f"CPUID family {info.family:#x} model {info.model:#x}"
    return None, "unknown microarchitecture"


@dataclass(frozen=True)
class CpuPowerModel:
    """Per-vCPU power at idle and at full load, with how it was derived."""

    min_w_per_vcpu: float
    max_w_per_vcpu: float
    source: str
    basis: str  # ccf-vcpu | tdp | ccf-average | user
    details: dict[str, Any] = field(default_factory=dict)


def cpu_power_model(info: CpuInfo, *, tdp_w: float | None = None) -> CpuPowerModel:
    coefs = _coefficients()
    arch, how = microarchitecture(info)
    avg = coefs["Average"]
    idle_frac = float(avg["min_w_per_vcpu"]) / float(avg["max_w_per_vcpu"])
    if arch and arch in coefs:
        c = coefs[arch]
        idle_frac = float(c["min_w_per_vcpu"]) / float(c["max_w_per_vcpu"])
    if tdp_w is not None:
        mx = tdp_w * info.sockets / info.logical_cpus
        return CpuPowerModel(mx * idle_frac, mx, f"user TDP {tdp_w:g} W x {info.sockets} socket(s) / {info.logical_cpus} threads",
                             "user", {"tdp_w": tdp_w, "idle_fraction": idle_frac})
    match = None if info.hypervisor else match_tdp(info.model_name)
    if match and match.confidence in ("exact", "high"):
        mx = match.tdp_w * info.sockets / info.logical_cpus
        return CpuPowerModel(
            mx * idle_frac, mx,
            f"tdp:{match.model} ({match.tdp_w:g} W, {match.confidence} match) x {info.sockets} socket(s) / "
            f"{info.logical_cpus} threads; idle {idle_frac:.0%} of TDP ({arch or 'CCF average'} SPECpower ratio)",
            "tdp", {"tdp_match": match.to_dict(), "architecture": arch, "idle_fraction": idle_frac},
        )
    if arch and arch in coefs:
        c = coefs[arch]
        why = "virtual machine" if info.hypervisor else ("no TDP match for the model name" if not match else "low-confidence TDP match")
        return CpuPowerModel(
            float(c["min_w_per_vcpu"]), float(c["max_w_per_vcpu"]),
            f"ccf:{arch} {float(c['min_w_per_vcpu']):.2f}-{float(c['max_w_per_vcpu']):.2f} W per vCPU ({how}; {why})",
            "ccf-vcpu", {"architecture": arch, "architecture_from": how},
        )
    return CpuPowerModel(
        float(avg["min_w_per_vcpu"]), float(avg["max_w_per_vcpu"]),
        f"ccf:average {float(avg['min_w_per_vcpu']):.2f}-{float(avg['max_w_per_vcpu']):.2f} W per vCPU "
        f"(microarchitecture of '{info.model_name or 'unknown CPU'}' not recognised)",
        "ccf-average", {"architecture": None},
    )
