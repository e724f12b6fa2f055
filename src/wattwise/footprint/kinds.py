"""Activity kinds: what each takes, and how it becomes lines of CO2e, each with the factor it used.

``lines(kind, params)`` is the one rule shared by ``footprint add``, CSV import and
``Ledger.add``: options are checked (known for this kind, required ones present, values in
range), then the kind's function turns them into ``Line``s. A flight via a stop is two lines
(one per leg: each has its own distance and haul); an estimated compute job is up to three
(operational, idle, embodied); everything else is one.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import UsageError
from . import factors as F
from .params import Param, ParamError, boolean, choice, number, text

CATEGORIES: dict[str, str] = {  # key -> label, in the order reports list them
    "compute-measured": "Compute: measured runs",
    "compute-estimated": "Compute: estimates",
    "idle": "Idle hardware",
    "embodied": "Embodied (manufacturing, amortised)",
    "hardware": "Hardware bought",
    "electricity": "Other electricity",
    "travel": "Travel",
    "meetings": "Meetings (video calls)",
    "digital": "Digital (e-mail)",
    "other": "Other",
}


@dataclass(frozen=True)
class Line:
    """One line of a footprint: quantity x factor (kg CO2e per unit)."""

    kind: str
    category: str
    quantity: float
    factor: F.Factor
    description: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def gco2e(self) -> float:
        return self.quantity * self.factor.kg_per_unit * 1000.0

    def bound(self, which: str) -> float | None:
        kg = self.factor.low_kg if which == "low" else self.factor.high_kg
        return None if kg is None else self.quantity * kg * 1000.0


@dataclass(frozen=True)
class Kind:
    name: str
    category: str
    help: str
    params: tuple[Param, ...]
    compute: Callable[[dict[str, Any]], list[Line]]
    required: tuple[tuple[str, ...], ...] = ()  # each tuple: at least one of these names
    exclusive: tuple[tuple[str, str], ...] = ()
    hints: dict[str, str] = field(default_factory=dict)  # why an option does not apply to this kind


# -- options ------------------------------------------------------------------------------------
KM = Param("km", "km", number(0, 50_000), "distance of one trip in km")
PEOPLE = Param("people", "people", number(0, 10_000, whole=True), "travellers or participants (default 1)", 1)
RETURN = Param("round_trip", "return", boolean, "a return trip: the distance counts twice", False, cli="flag")
REPEAT = Param("repeat", "repeat", number(0, 100_000, whole=True),
               "times this activity happened (e.g. 52 weekly calls; default 1)", 1)
HOURS_CALL = Param("hours", "hours", number(0, 100_000), "hours of one call")
HOURS_JOB = Param("hours", "hours", number(0, 1_000_000), "wall-clock hours of the job")
REGION = Param("region", "region", text(100), "grid region: country (FR), zone (US-CAL-CISO) or cloud region (aws:us-east-1)")
SOURCE = Param("source", "source", text(500), "where the figure comes from")
YEAR = Param("year", "year", number(1950, 2100, whole=True, lo_open=False), "the year the figure is for")


def _ground(kind: str, types: dict[str, str], default: str) -> tuple[Param, ...]:
    return (KM, Param("type", "type", choice(*types), f"{kind} type: {', '.join(types)} (default {default})", default),
            PEOPLE, RETURN, REPEAT)


RAIL = {"national": "National rail", "international": "International rail", "tram": "Light rail and tram",
        "underground": "London Underground"}
BUS = {"average": "Average local bus", "local": "Local bus (not London)", "london": "Local London bus", "coach": "Coach"}
FERRY = {"average": "all passengers", "foot": "foot passenger", "car": "car passenger"}
TAXI = {"regular": "Regular taxi", "black-cab": "Black cab"}
CABINS = ("economy", "premium", "business", "first", "average")
HAULS = ("domestic", "short", "long", "international")
HAUL_LABEL = {"domestic": "domestic", "short": "short-haul", "long": "long-haul", "international": "international (non-UK)"}


def _trips(p: dict[str, Any]) -> int:
    return (2 if p["round_trip"] else 1) * p["repeat"]


def _times(p: dict[str, Any], *, people: bool = True) -> str:
    parts = []
    if p.get("round_trip"):
        parts.append("return")
    if people and p.get("people", 1) != 1:
        parts.append(f"{p['people']} people")
    if p["repeat"] != 1:
        parts.append(f"x{p['repeat']}")
    return (", " + ", ".join(parts)) if parts else ""


def _require(key: str, what: str) -> F.Factor:
    f = F.travel(key)
    if f is None:
        raise UsageError(f"DESNZ 2025 publishes no factor for {what}")
    return f


# -- travel ---------------------------------------------------------------------------------------
def flight(p: dict[str, Any]) -> list[Line]:
    from .airports import airport
    from .geo import great_circle_km

    stops = [airport(p["origin"]), *([airport(p["via"])] if p.get("via") else []), airport(p["destination"])]
    out = []
    for a, b in zip(stops, stops[1:]):
        if a.iata == b.iata:
            raise UsageError(f"a flight from {a.iata} to {b.iata} goes nowhere; check --from, --via and --to")
        km = great_circle_km(a.lat, a.lon, b.lat, b.lon)
        haul = p.get("haul") or F.haul_between(a.country, b.country)
        f, cabin_note = _flight_factor(haul, p["cabin"], p["rf"])
        rf = "with radiative forcing" if p["rf"] else "without radiative forcing (--no-rf)"
        desc = (f"{a.iata} → {b.iata}, {km:,.0f} km great-circle, {HAUL_LABEL[haul]}, {p['cabin']}, {rf}"
                f"{_times(p)}{cabin_note}")
        out.append(Line("flight", "travel", km * p["people"] * _trips(p), f, desc,
                        {"from": a.iata, "to": b.iata, "km": round(km, 3), "haul": haul,
                         "haul_from": "--haul" if p.get("haul") else "DESNZ 2025 haul definition",
                         "class": p["cabin"], "rf": p["rf"], "people": p["people"], "return": p["round_trip"],
                         "repeat": p["repeat"], "countries": [a.country, b.country]}))
    return out


def _flight_factor(haul: str, cabin: str, rf: bool) -> tuple[F.Factor, str]:
    """DESNZ's factor for this haul and class; where it publishes none for the class (domestic
    flights have only an average; short-haul has no premium or first), its average passenger."""
    suffix = "rf" if rf else "no-rf"
    f = F.travel(f"flight:{haul}:{cabin}:{suffix}")
    if f is not None:
        return f, ""
    avg = _require(f"flight:{haul}:average:{suffix}", f"{HAUL_LABEL[haul]} flights")
    return avg, f" (DESNZ 2025 has no {cabin}-class factor for {HAUL_LABEL[haul]} flights: average passenger used)"


def ground(kind: str, types: dict[str, str]) -> Callable[[dict[str, Any]], list[Line]]:
    def compute(p: dict[str, Any]) -> list[Line]:
        f = _require(f"{kind}:{p['type']}", f"{kind} '{p['type']}'")
        desc = f"{types[p['type']]}, {p['km']:,.6g} km{_times(p)}"
        return [Line(kind, "travel", p["km"] * p["people"] * _trips(p), f, desc,
                     {"km": p["km"], "type": p["type"], "people": p["people"], "return": p["round_trip"],
                      "repeat": p["repeat"]})]
    return compute


def car(p: dict[str, Any]) -> list[Line]:
    f = _require(f"car:{p['size']}:{p['fuel']}", f"a {p['size']} car running on {p['fuel']}")
    desc = f"{f.variant}, {p['km']:,.6g} km{_times(p, people=False)} (per vehicle km)"
    return [Line("car", "travel", p["km"] * _trips(p), f, desc,
                 {"km": p["km"], "size": p["size"], "fuel": p["fuel"], "return": p["round_trip"], "repeat": p["repeat"]})]


def hotel(p: dict[str, Any]) -> list[Line]:
    f = F.hotel(p["country"])
    n = p["nights"] * p["rooms"] * p["repeat"]
    rooms = f", {p['rooms']} rooms" if p["rooms"] != 1 else ""
    rep = f", x{p['repeat']}" if p["repeat"] != 1 else ""
    return [Line("hotel", "travel", n, f, f"{f.variant}, {p['nights']:g} nights{rooms}{rep}",
                 {"country": f.key.split(":", 1)[1], "nights": p["nights"], "rooms": p["rooms"], "repeat": p["repeat"]})]


# -- meetings and digital -----------------------------------------------------------------------------
def video_call(p: dict[str, Any]) -> list[Line]:
    f = F.digital(f"video-call:camera-{p['camera']}")
    rep = f", x{p['repeat']}" if p["repeat"] != 1 else ""
    desc = f"{p['hours']:g} h x {p['people']} participants, camera {p['camera']}{rep}"
    return [Line("video-call", "meetings", p["hours"] * p["people"] * p["repeat"], f, desc,
                 {"hours": p["hours"], "people": p["people"], "camera": p["camera"], "repeat": p["repeat"]})]


def email(p: dict[str, Any]) -> list[Line]:
    f = F.digital(f"email:{p['size']}")
    rep = f", x{p['repeat']}" if p["repeat"] != 1 else ""
    return [Line("email", "digital", p["count"] * p["repeat"], f, f"{p['count']:,} {p['size']} e-mails{rep}",
                 {"count": p["count"], "size": p["size"], "repeat": p["repeat"]})]


# -- hardware, electricity, compute, other -----------------------------------------------------------
def hardware(p: dict[str, Any]) -> list[Line]:
    if p.get("kg") is not None:
        src = p.get("source") or "user-supplied figure"
        f = F.Factor("hardware:user", p["kg"], "device", src, p.get("year"), "user-supplied", read_in="user")
        name = "device"
    else:
        f, name = device_factor(p["device"])
    share = f", {p['share']:.0%} of its life" if p["share"] != 1 else ""
    return [Line("hardware", "hardware", p["count"] * p["share"] * p["repeat"], f,
                 f"{p['count']:g} x {name}{share} (whole manufacturing footprint{', shared' if share else ''})",
                 {"device": name, "count": p["count"], "share": p["share"], "repeat": p["repeat"]})]


SERVERS = {"gpu-server": ("embodied:gpu_server_kgco2e", "GPU server (without its GPUs)"),
           "cpu-server": ("embodied:cpu_server_base_kgco2e", "CPU rack server (one socket, 16 GB)")}


def device_factor(name: str) -> tuple[F.Factor, str]:
    """Embodied kg CO2e of one device from the hardware catalogue: a GPU model, gpu-server or cpu-server."""
    from .. import hardware as hw
    from ..factors import factor

    key = name.strip().lower()
    if key in SERVERS:
        k, label = SERVERS[key]
        c = factor(k)
        return F.Factor(f"hardware:{key}", c.value, "device", c.source, c.year, c.license, note=c.note), label
    try:
        acc = hw.match_gpu(name).item
    except UsageError:
        sugg = hw.catalogue().suggest_gpu(name)
        hint = f"did you mean {' or '.join(sugg)}? " if sugg else ""
        raise UsageError(f"unknown device '{name}'; {hint}devices: a GPU model (e.g. A100-80GB, H100), "
                         f"{', '.join(SERVERS)}; or give --kg KG") from None
    if acc.embodied_kgco2e is None:
        raise UsageError(f"the catalogue has no embodied figure for {acc.name}; give --kg KG")
    return F.Factor(f"hardware:{acc.name}", acc.embodied_kgco2e, "device", acc.embodied_source, acc.year,
                    acc.license), acc.name


def _intensity_factor(inten) -> F.Factor:
    where = inten.name or inten.zone
    basis = getattr(inten, "basis", None) or inten.extra.get("basis")  # lifecycle | direct, where known
    return F.Factor(f"electricity:{inten.zone}", inten.g_per_kwh / 1000.0, "kWh",
                    f"{inten.source} ({where}, {inten.signal}{' ' + basis if basis else ''} intensity)",
                    inten.year, inten.license or "", note=inten.note or "")


def electricity(p: dict[str, Any]) -> list[Line]:
    from ..intensity.static import static_intensity

    inten = static_intensity(p["region"])
    f = _intensity_factor(inten)
    rep = f", x{p['repeat']}" if p["repeat"] != 1 else ""
    return [Line("electricity", "electricity", p["kwh"] * p["repeat"], f,
                 f"{p['kwh']:,.6g} kWh in {inten.name or inten.zone} at {inten.g_per_kwh:g} gCO2e/kWh{rep}",
                 {"kwh": p["kwh"], "region": p["region"], "zone": inten.zone, "repeat": p["repeat"]})]


def compute(p: dict[str, Any]) -> list[Line]:
    """An estimated job (``wattwise estimate``): operational, idle and embodied lines."""
    from ..estimate import estimate

    e = estimate(gpu=p.get("gpu"), cpu=p.get("cpu"), ram_gb=p.get("ram_gb"), hours=p["hours"], region=p["region"],
                 pue=p.get("pue"), embodied=p["embodied"], idle_hours=p.get("idle_hours"), alternatives=0)
    d = e.to_dict()
    b, rep = d["breakdown"], p["repeat"]
    f = _intensity_factor(e.intensity)
    what = " + ".join(f"{x['count']:g} x {x['name']}" for x in d["inputs"]["hardware"])
    details = {"hardware": what, "hours": p["hours"], "region": e.intensity.zone, "pue": d["pue"],
               "method": d["method"], "repeat": rep, "warnings": list(d.get("warnings") or [])}
    out = [Line("compute", "compute-estimated", b["dynamic"]["facility_energy_kwh"] * rep, f,
                f"estimate: {what}, {p['hours']:g} h, PUE {d['pue']:g}" + (f", x{rep}" if rep != 1 else ""), details)]
    idle = b.get("idle") or {}
    if idle.get("included") and idle.get("facility_energy_kwh"):
        out.append(Line("compute", "idle", idle["facility_energy_kwh"] * rep, f,
                        f"estimate: {what} idle for {idle['hours']:g} h", details))
    emb = b.get("embodied") or {}
    for part in emb.get("parts", []) if emb.get("included") else []:
        pf = F.Factor(f"embodied:{part['name']}", part["kgco2e_per_unit_hour"], "device.hour",
                      f"{part['source']}; {part['lifetime_years']:g} years x {part['usage']:g} usage", None,
                      "see source", note=emb["method"])
        out.append(Line("compute", "embodied", part["count"] * part["hours"] * rep, pf,
                        f"estimate: {part['count']:g} x {part['name']} for {part['hours']:g} h", details))
    return out


def other(p: dict[str, Any]) -> list[Line]:
    f = F.Factor("other:user", p["gco2e"] / 1000.0, "item", p["source"], p.get("year"), "user-supplied", read_in="user")
    rep = f", x{p['repeat']}" if p["repeat"] != 1 else ""
    return [Line("other", "other", float(p["repeat"]), f, f"{p['gco2e']:,.6g} gCO2e (user figure){rep}",
                 {"gco2e": p["gco2e"], "repeat": p["repeat"]})]


AIRPORT = text(60)
KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("flight", "travel", "a flight: great-circle distance between airports x DESNZ 2025 factor by haul and class",
         (Param("origin", "from", AIRPORT, "IATA code of the departure airport (e.g. LHR)"),
          Param("destination", "to", AIRPORT, "IATA code of the arrival airport (e.g. JFK)"),
          Param("via", "via", AIRPORT, "IATA code of a stop: two legs, each with its own haul"),
          RETURN, Param("cabin", "class", choice(*CABINS), "economy | premium | business | first | average "
                        "(default economy)", "economy"),
          PEOPLE, Param("rf", "rf", boolean, "radiative forcing on (default) or off (--no-rf)", True, cli="negflag"),
          Param("haul", "haul", choice(*HAULS), "override DESNZ's haul: domestic | short | long | international"),
          REPEAT), flight, required=(("origin",), ("destination",))),
    Kind("train", "travel", "rail: DESNZ 2025 per passenger km", _ground("train", RAIL, "national"),
         ground("train", RAIL), required=(("km",),)),
    Kind("bus", "travel", "bus or coach: DESNZ 2025 per passenger km", _ground("bus", BUS, "average"),
         ground("bus", BUS), required=(("km",),)),
    Kind("ferry", "travel", "ferry: DESNZ 2025 per passenger km", _ground("ferry", FERRY, "average"),
         ground("ferry", FERRY), required=(("km",),)),
    Kind("taxi", "travel", "taxi: DESNZ 2025 per passenger km", _ground("taxi", TAXI, "regular"),
         ground("taxi", TAXI), required=(("km",),)),
    Kind("car", "travel", "car: DESNZ 2025 per vehicle km (passengers share it)",
         (KM, Param("size", "size", choice("average", "small", "medium", "large"),
                    "average (default) | small | medium | large", "average"),
          Param("fuel", "fuel", choice("unknown", "petrol", "diesel", "hybrid", "phev", "bev", "cng", "lpg"),
                "unknown (default) | petrol | diesel | hybrid | phev | bev | cng | lpg", "unknown"), RETURN, REPEAT),
         car, required=(("km",),),
         hints={"people": "car factors are per vehicle km: passengers share the car, they do not multiply it"}),
    Kind("hotel", "travel", "hotel nights: DESNZ 2025 per room-night by country",
         (Param("nights", "nights", number(0, 10_000), "nights"),
          Param("country", "country", text(80), "country code or name (GB-LND or London for London)"),
          Param("rooms", "rooms", number(0, 10_000, whole=True), "rooms (default 1)", 1), REPEAT), hotel,
         required=(("nights",), ("country",)),
         hints={"people": "hotel factors are per room-night: give --rooms"}),
    Kind("video-call", "meetings", "video call: per participant-hour (Obringer et al. 2021, published range shown)",
         (HOURS_CALL, PEOPLE, Param("camera", "camera", choice("on", "off"), "camera on (default) or off", "on"), REPEAT),
         video_call, required=(("hours",),)),
    Kind("email", "digital", "e-mails: per message (Berners-Lee 2020)",
         (Param("count", "count", number(0, 100_000_000, whole=True), "number of e-mails"),
          Param("size", "size", choice("short", "long", "attachment"), "short (default) | long | attachment", "short"),
          REPEAT), email, required=(("count",),)),
    Kind("hardware", "hardware", "hardware bought: embodied (manufacturing) kg CO2e per device",
         (Param("kg", "kg", number(0, 10_000_000), "embodied kg CO2e of one device (your figure)"),
          Param("device", "device", text(100), "a device from the catalogue: a GPU model, gpu-server or cpu-server"),
          Param("count", "count", number(0, 100_000), "number of devices (default 1)", 1),
          Param("share", "share", number(0, 1), "fraction of the devices' life this project uses (default 1)", 1),
          SOURCE, YEAR, REPEAT), hardware, required=(("kg", "device"),), exclusive=(("kg", "device"),)),
    Kind("electricity", "electricity", "electricity not measured by wattwise: kWh x the region's grid intensity",
         (Param("kwh", "kwh", number(0, 1e9), "energy in kWh"), REGION, REPEAT), electricity,
         required=(("kwh",), ("region",))),
    Kind("compute", "compute-estimated", "a job estimated as by `wattwise estimate` (operational, idle, embodied)",
         (Param("gpu", "gpu", text(100), "GPU model[:count], e.g. A100-80GB:8"),
          Param("cpu", "cpu", text(100), "CPU model[:count]"),
          Param("ram_gb", "ram-gb", number(0, 1_000_000), "memory in GB"), HOURS_JOB, REGION,
          Param("pue", "pue", number(1, 5, lo_open=False), "power usage effectiveness of the data centre"),
          Param("embodied", "embodied", boolean, "add the hardware's manufacturing emissions, amortised", False, cli="flag"),
          Param("idle_hours", "idle-hours", number(0, 1_000_000), "extra hours the hardware stays on idle"), REPEAT),
         compute, required=(("gpu", "cpu", "ram_gb"), ("hours",), ("region",))),
    Kind("other", "other", "anything else, with your own figure and its source",
         (Param("gco2e", "gco2e", number(0, 1e12), "grams CO2e"), SOURCE, YEAR, REPEAT), other,
         required=(("gco2e",), ("source",))),
)}

ALIASES = {p.flag.replace("-", "_"): p.name for k in KINDS.values() for p in k.params}


def kind(name: str) -> Kind:
    k = KINDS.get(str(name or "").strip().lower())
    if k is None:
        close = difflib.get_close_matches(str(name).strip().lower(), list(KINDS), n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise UsageError(f"unknown kind '{name}'; {hint}kinds: {', '.join(KINDS)}")
    return k


def lines(kind_name: str, params: dict[str, Any]) -> list[Line]:
    """Check ``params`` for this kind (None or '' = not given) and compute its lines."""
    k = kind(kind_name)
    by_name = {p.name: p for p in k.params}
    given: dict[str, Any] = {}
    for raw_key, v in params.items():
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        key = ALIASES.get(raw_key.replace("-", "_"), raw_key.replace("-", "_"))
        p = by_name.get(key)
        if p is None:
            flag = next((q.flag for q2 in KINDS.values() for q in q2.params if q.name == key), raw_key)
            why = k.hints.get(key) or f"it takes {', '.join(q.flag for q in k.params)}"
            raise UsageError(f"'{flag}' does not apply to kind '{k.name}' ({why})")
        given[key] = p.read(v)
    for group in k.required:
        if not any(n in given for n in group):
            flags = " or ".join(by_name[n].flag for n in group)
            raise UsageError(f"kind '{k.name}' needs {flags}")
    for a, b in k.exclusive:
        if a in given and b in given:
            raise UsageError(f"kind '{k.name}' takes {by_name[a].flag} or {by_name[b].flag}, not both")
    values = {p.name: p.default for p in k.params}
    values.update(given)
    return k.compute(values)


__all__ = ["CATEGORIES", "KINDS", "Kind", "Line", "ParamError", "kind", "lines"]
