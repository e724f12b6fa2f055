"""The Calculator page: ``wattwise.estimate`` as a form that answers as you type.

``/calculator`` is a plain GET form (works without JavaScript; the URL holds the inputs, so a
result can be shared). ``/api/estimate`` takes the same query and answers with the estimate's
JSON contract (``Estimate.to_dict()``) and the result rendered as HTML, which
``static/calculator.js`` swaps in while the user types. ``/api/hardware`` and ``/api/regions``
feed the autocomplete lists. Bad input is a UsageError tied to the form field it came from and
shown next to it, never a server error.
"""
from __future__ import annotations

from .render import FieldError  # noqa: F401 - raised by this page, caught by its routes

import math
import shlex
from typing import Any
from urllib.parse import urlencode

from ..errors import UsageError
from . import views

KINDS = {  # form value -> (label, what "count" counts, estimate() keyword)
    "gpu": ("GPU or TPU", "accelerators", "gpu"),
    "instance": ("cloud instance type", "instances", "instance"),
    "cpu": ("CPU (sockets)", "CPU sockets", "cpu"),
}
FIELDS = ("kind", "hw", "count", "hours", "region", "pue", "util", "idle_hours", "power_w", "embodied", "basis")
DEFAULTS = {"kind": "gpu", "hw": "NVIDIA A100 SXM4 80GB", "count": "8", "hours": "24", "region": "DE", "pue": "",
            "util": "", "idle_hours": "", "power_w": "", "embodied": "1", "basis": ""}
BASES = {"": "life-cycle (default)", "direct": "direct (operational)"}  # form value -> label; "" is lifecycle
BLANK = {**{k: "" for k in FIELDS}, "kind": "gpu", "count": "1"}
MAX_FIELD = 200  # characters kept of any field: more is not a model name or a number
SUGGEST = 25  # autocomplete entries per answer


# -- the form -------------------------------------------------------------------------------
def read_form(params) -> dict[str, str]:
    """The form's fields from a query string; the example job when the query has none of them."""
    if not any(k in params for k in FIELDS):
        return dict(DEFAULTS)
    f = {k: str(params.get(k) or "").strip()[:MAX_FIELD] for k in FIELDS}
    if f["kind"] not in KINDS:
        f["kind"] = "gpu"
    f["embodied"] = "1" if f["embodied"] in ("1", "on", "true", "yes") else ""
    return f


def query_string(f: dict[str, str]) -> str:
    """The shareable query: the fields that are set, in form order."""
    return urlencode([(k, f[k]) for k in FIELDS if f.get(k)])


def _count(text: str) -> int:
    s = text.replace(",", "").replace("_", "").strip() or "1"
    try:
        v = float(s)
    except ValueError:
        raise FieldError("count", f"invalid count '{text}'; give a whole number >= 1, e.g. 8") from None
    if v != v or v < 1 or v != int(v):
        raise FieldError("count", f"count {text} must be a whole number >= 1")
    from ..estimate import MAX_COUNT

    if v > MAX_COUNT:
        raise FieldError("count", f"count {text} is more than {MAX_COUNT:,}; check the number")
    return int(v)


def estimate_kwargs(f: dict[str, str]) -> dict[str, Any]:
    """The form as ``wattwise.estimate()`` arguments; a bad field raises FieldError naming it."""
    from .. import hardware, regions
    from ..estimate import _check_power, parse_hours, parse_pue, parse_utilization

    def check(field, fn, *a, **kw):
        try:
            return fn(*a, **kw)
        except FieldError:
            raise
        except UsageError as e:
            raise FieldError(field, str(e)) from None

    kind = f["kind"]
    hw = f["hw"]
    if not hw:
        examples = {"gpu": "A100-80GB, H100, T4, TPU v4", "instance": "p4d.24xlarge, a2-highgpu-8g, Standard_ND96asr_v4",
                    "cpu": "Xeon Gold 6148, EPYC 7763"}[kind]
        raise FieldError("hw", f"choose the hardware: a {KINDS[kind][0]} such as {examples}")
    count = _count(f["count"])
    check("hours", parse_hours, f["hours"] or None)
    util = check("util", parse_utilization, f["util"] or None)
    pue = check("pue", parse_pue, f["pue"] or None)
    power_w = check("power_w", _check_power, f["power_w"] or None, hw) if f["power_w"] else None
    if f["idle_hours"]:
        check("idle_hours", parse_hours, f["idle_hours"], "idle-hours", allow_zero=True)
    basis = check("basis", regions.check_basis, f["basis"] or None)
    region = None
    if f["region"]:
        region = check("region", regions.resolve, f["region"]).id
    cat = hardware.catalogue()
    if kind == "instance":
        check("hw", cat.instance, hw)
    elif power_w is None:  # with a measured power an unknown model is allowed (generic figures)
        check("hw", cat.match_gpu if kind == "gpu" else cat.match_cpu, hw)
    kw: dict[str, Any] = {"hours": f["hours"], "region": region, "pue": pue, "utilization": util,
                          "embodied": bool(f["embodied"]), "idle_hours": f["idle_hours"] or None, "power_w": power_w,
                          "basis": basis}
    kw[KINDS[kind][2]] = f"{hw}:{count}"
    return kw


def cli_command(f: dict[str, str]) -> str:
    """The same estimate as a ``wattwise estimate`` command line."""
    kind = f["kind"]
    spec = f"{f['hw']}:{f['count'] or 1}"
    args = ["wattwise", "estimate", f"--{KINDS[kind][2]}", spec]
    if f["power_w"]:
        args += ["--power-w", f["power_w"]]
    args += ["--hours", f["hours"]]
    for field, flag in (("region", "--region"), ("pue", "--pue"), ("util", "--utilization"), ("idle_hours", "--idle-hours"),
                        ("basis", "--basis")):
        if f[field]:
            args += [flag, f[field]]
    if f["embodied"]:
        args.append("--embodied")
    return " ".join(shlex.quote(a) for a in args)


def compute(f: dict[str, str]):
    """(Estimate, None) or (None, {"field", "message"}) for the form ``f``."""
    from ..estimate import estimate

    try:
        est = estimate(**estimate_kwargs(f))
    except FieldError as e:
        return None, {"field": e.field, "message": str(e)}
    except UsageError as e:
        return None, {"field": _field_of(str(e)), "message": str(e)}
    return est, None


def _field_of(message: str) -> str | None:
    m = message.lower()
    for needle, field in (("idle", "idle_hours"), ("--power-w", "power_w"), ("instance", "hw"), ("gpu", "hw"),
                          ("cpu", "hw"), ("region", "region"), ("basis", "basis")):
        if needle in m:
            return field
    return None


# -- the result as the template shows it ----------------------------------------------------
def _mass_unit(g: float) -> tuple[float, str]:
    return (1000.0, "kgCO2e") if g >= 1000 else (1.0, "gCO2e")


def _kwh(kwh: float | None) -> str:
    return "–" if kwh is None else views.fmt_energy(kwh * 3.6e6)


def _text(x) -> str:
    return "; ".join(str(v) for v in x) if isinstance(x, (list, tuple)) else str(x or "")


def _num(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"


def result_view(est, f: dict[str, str]) -> dict[str, Any]:
    """Formatted numbers, tables and the comparison chart's data for one estimate."""
    d = est.to_dict()
    b = d["breakdown"]
    inten = est.intensity
    where = est.region.id if est.region is not None else inten.zone
    where_name = est.region.name if est.region is not None else (inten.name or inten.zone)
    dyn_how = "; ".join(f"{x.count:g} {x.unit} × {x.power_w:.4g} W" for x in est.devices) + f"; × {est.hours:g} h"
    rows = [{"part": "computing (dynamic)", "energy": _kwh(b["dynamic"]["energy_kwh"]),
             "facility": _kwh(b["dynamic"]["facility_energy_kwh"]), "emissions": views.fmt_mass(b["dynamic"]["emissions_gco2e"]),
             "how": dyn_how, "included": True}]
    i = b["idle"]
    rows.append({"part": "idle", "included": bool(i.get("included")), "energy": _kwh(i.get("energy_kwh")),
                 "facility": _kwh(i.get("facility_energy_kwh")), "emissions": views.fmt_mass(i.get("emissions_gco2e")),
                 "how": _text(i.get("method")) if i.get("included") else
                 "not included: give idle hours (hardware kept on while not computing)"})
    m = b["embodied"]
    rows.append({"part": "embodied (manufacturing)", "included": bool(m.get("included")), "energy": "–", "facility": "–",
                 "emissions": views.fmt_mass(m.get("emissions_gco2e")),
                 "how": ("; ".join(f"{p['count']:.4g} {p['unit']} × {p['kgco2e_per_unit']:g} kgCO2e" for p in m["parts"])
                         + f", spread over lifetime × 8760 h × usage {m['usage']:g}; {m['hours']:g} h of use")
                 if m.get("included") else "not included: tick “embodied” to add manufacturing emissions"})

    hardware = []
    for x in est.devices:
        mt = x.match or {}
        hardware.append({"count": f"{x.count:g}", "unit": x.unit, "name": x.name, "power": f"{x.power_w:.4g} W",
                         "power_source": x.power_source, "origin": x.origin,
                         "match": mt.get("confidence"), "query": mt.get("query"),
                         "idle": f"{x.idle_w:.4g} W" if x.idle_w is not None else None, "idle_source": x.idle_source,
                         "embodied": f"{x.embodied_kgco2e:g} kgCO2e per unit, {x.lifetime_years:g} years"
                         if x.embodied_kgco2e is not None and x.lifetime_years else None,
                         "embodied_source": x.embodied_source})
    inp = d["inputs"]
    assumptions = [
        {"what": "utilisation", "value": f"{inp['utilization']['value']:g} of TDP", "source": inp["utilization"]["source"]},
        {"what": "PUE (data-centre overhead)", "value": f"{est.pue:g}", "source": est.pue_source},
        {"what": "grid carbon intensity", "value": views.fmt_intensity(inten.g_per_kwh),
         "source": ", ".join(str(x) for x in (inten.source, inten.year, inten.license) if x)
         + (f" ({inten.signal} signal, {inten.basis or 'unstated'} basis, {inten.method})" if inten.method else "")},
    ]
    if m.get("included"):
        assumptions.append({"what": "embodied: share of lifetime in use", "value": f"{m['usage']:g}",
                            "source": m["usage_source"]})
        for p in m["parts"]:
            if not any(p["name"] == x.name for x in est.devices):
                assumptions.append({"what": f"embodied: {p['name']}",
                                    "value": f"{p['kgco2e_per_unit']:g} kgCO2e, {p['lifetime_years']:g} years",
                                    "source": p["source"]})

    total = est.emissions_gco2e
    scale, unit = _mass_unit(max([total] + [a["emissions_gco2e"] for a in est.alternatives]))
    energy_kwh = est.energy_kwh or 1.0
    dyn_share = (est.dynamic_j / est.energy_j) if est.energy_j else 1.0
    emb = est.embodied_g or 0.0
    alts = []
    for a in est.alternatives:
        af = dict(f, region=a["region"])
        alts.append({"region": a["region"], "name": a["name"], "intensity": views.fmt_intensity(a["g_per_kwh"]),
                     "pue": f"{a['pue']:g}", "emissions": views.fmt_mass(a["emissions_gco2e"]),
                     "saving": views.fmt_mass(a["saving_gco2e"]), "saving_pct": f"{a['saving_pct']:.0f} %",
                     "note": "; ".join(x for x in ("same country" if a.get("same_country") else (
                         f"{a['distance_km']:,} km away" if "distance_km" in a else ""), a.get("note")) if x),
                     "basis": a["basis"],
                     "href": "/calculator?" + query_string(af)})
    labels = [f"here: {where}"] + [a["region"] for a in est.alternatives]
    ops = [est.operational_gco2e] + [a["emissions_gco2e"] - emb for a in est.alternatives]
    datasets = [{"label": "computing", "color": "#2563eb", "data": [round(o * dyn_share / scale, 6) for o in ops]}]
    if est.idle_j is not None:
        datasets.append({"label": "idle", "color": "#94a3b8", "data": [round(o * (1 - dyn_share) / scale, 6) for o in ops]})
    if est.embodied_g is not None:
        datasets.append({"label": "embodied", "color": "#b45309", "data": [round(emb / scale, 6)] * len(labels)})
    chart = {"labels": labels, "datasets": datasets, "ylabel": unit}
    chart_rows = [{"label": lab, "total": views.fmt_mass((ops[k] + emb))} for k, lab in enumerate(labels)]

    equivalents = [{"value": _num(q["value"]), "unit": q["unit"], "factor": f"{q['factor']:g} {q['factor_unit']}",
                    "source": q["source"]} for q in est.equivalents]
    hw_line = ", ".join(f"{x.count:g} × {x.name}" if x.unit != "GB" else f"{x.count:g} GB memory" for x in est.devices)
    return {
        "hw_line": hw_line, "hours": f"{est.hours:g} h", "where": where, "where_name": where_name,
        "emissions": views.fmt_mass(total), "operational": views.fmt_mass(est.operational_gco2e),
        "embodied": views.fmt_mass(est.embodied_g) if est.embodied_g is not None else None,
        "energy": _kwh(est.energy_kwh), "facility_energy": _kwh(est.facility_energy_kwh), "pue": f"{est.pue:g}",
        "intensity": views.fmt_intensity(inten.g_per_kwh), "intensity_note": inten.note,
        "intensity_basis": {"lifecycle": "life-cycle", "direct": "direct (operational)"}.get(inten.basis, "basis not stated"),
        "region_guessed": bool(getattr(inten, "estimated", False)), "region_from": inten.region_from,
        "breakdown": rows, "hardware": hardware, "assumptions": assumptions, "alternatives": alts,
        "alternatives_note": est.alternatives_note, "chart": chart, "chart_rows": chart_rows,
        "equivalents": equivalents, "warnings": list(est.warnings), "method": d["method"],
        "command": cli_command(f), "query": query_string(f), "total_g": total, "energy_kwh_value": energy_kwh,
    }


# -- autocomplete ---------------------------------------------------------------------------
def _rank(q: str, names: list[tuple[str, str]], n: int) -> list[dict[str, str]]:
    """Entries whose name contains every word of q, those starting with it first; all (up to n) when q is empty."""
    words = q.lower().split()
    hits = []
    for name, detail in names:
        low = name.lower()
        if all(w in low for w in words):
            hits.append((0 if words and low.startswith(words[0]) else 1, len(name), name, detail))
    hits.sort()
    return [{"value": name, "detail": detail} for _, _, name, detail in hits[:n]]


def hardware_options(kind: str, q: str = "", n: int = SUGGEST) -> list[dict[str, str]]:
    from .. import hardware

    if kind == "instance":
        from ..hardware import _instances

        rows = _instances()
        names = [(r["instance"], f"{r['provider'].upper()}: {r['vcpus']} vCPU"
                  + (f", {r['accelerator_count']} × {r['accelerator']}" if r["accelerator"] else ""))
                 for r in rows.values()]
        return _rank(q, names, n)
    if kind == "cpu":
        from .._data import table

        names = [(r["model"], f"TDP {float(r['tdp_w']):g} W" + (f", {r['cores']} cores" if r.get("cores") else ""))
                 for r in table("cpu_tdp.csv")]
        return _rank(q, names, n)
    names = [(a.name, f"TDP {a.tdp_w:g} W" + (f", {a.memory_gb:g} GB" if a.memory_gb else ""))
             for a in hardware.catalogue().gpus]
    return _rank(q, names, n)


def region_options(q: str = "", n: int | None = None, basis: str | None = None) -> list[dict[str, str]]:
    """Regions for the autocomplete, each with its figure on ``basis`` (or that it has none)."""
    from .. import regions

    rs = sorted(regions.all_regions(basis), key=lambda r: (r.kind == "world", r.kind != "country", r.id))
    names = [(r.id, f"{r.name}, " + (f"{r.g_per_kwh:g} gCO2e/kWh ({r.basis})" if r.g_per_kwh is not None
                                     else f"no {r.basis} figure")) for r in rs]
    if not q:
        return [{"value": a, "detail": b} for a, b in names][: n or None]
    words = q.lower().split()
    out = [{"value": a, "detail": b} for a, b in names if all(w in f"{a} {b}".lower() for w in words)]
    out.sort(key=lambda o: (not o["value"].lower().startswith(words[0]), len(o["value"])))
    return out[: n or SUGGEST]


# -- routes ---------------------------------------------------------------------------------
def _basis(f: dict[str, str]) -> str | None:
    return f["basis"] if f.get("basis") in ("lifecycle", "direct") else None


def routes(ctx):
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from .. import regions
    from .render import render

    def page_vars(f):
        est, error = compute(f)
        return {"f": f, "kinds": KINDS, "bases": BASES, "r": result_view(est, f) if est else None, "error": error,
                # the whole (small) accelerator catalogue inline; CPUs and instance types (thousands) near what is typed
                "hw_options": hardware_options("gpu", n=1000) if f["kind"] == "gpu" else hardware_options(f["kind"], f["hw"]),
                "region_options": region_options(basis=_basis(f))}

    def calculator(request):
        f = read_form(request.query_params)
        v = page_vars(f)
        return ctx.render(request, "calculator.html", active="calculator", status=422 if v["error"] else 200, **v)

    def api_estimate(request):
        f = read_form(request.query_params)
        est, error = compute(f)
        if error:
            html = render("_calc_result.html", r=None, error=error, f=f)
            return JSONResponse({"ok": False, "error": error["message"], "field": error["field"], "query": query_string(f),
                                 "html": html}, status_code=422)
        r = result_view(est, f)
        html = render("_calc_result.html", r=r, error=None, f=f)
        return JSONResponse({"ok": True, "query": r["query"], "estimate": _finite(est.to_dict()), "html": html})

    def api_hardware(request):
        kind = request.query_params.get("kind") or "gpu"
        if kind not in KINDS:
            return JSONResponse({"error": f"unknown kind '{kind}'; use one of: {', '.join(KINDS)}"}, status_code=400)
        q = (request.query_params.get("q") or "")[:MAX_FIELD]
        return JSONResponse({"kind": kind, "q": q, "items": hardware_options(kind, q)})

    def api_regions(request):
        q = (request.query_params.get("q") or "")[:MAX_FIELD]
        try:
            basis = regions.check_basis(request.query_params.get("basis") or None)
        except UsageError as e:
            return JSONResponse({"error": str(e)}, status_code=400)
        return JSONResponse({"q": q, "basis": basis, "items": region_options(q, None if not q else SUGGEST, basis)})

    return [Route("/calculator", calculator, methods=["GET"]),
            Route("/api/estimate", api_estimate, methods=["GET"]),
            Route("/api/hardware", api_hardware, methods=["GET"]),
            Route("/api/regions", api_regions, methods=["GET"])]


def _finite(x):
    """JSON has no NaN/Infinity: such a float becomes null."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite(v) for v in x]
    return x
