"""``wattwise estimate --from-sacct``: real-shaped ``sacct --parsable2`` text, mapped to the calculator.

The text below is laid out as Slurm 23.x prints it for
``sacct --parsable2 --format=JobID,JobName,Account,Partition,State,ElapsedRaw,AllocTRES,NodeList``:
the allocation line, then its steps (batch, extern, numbered), array tasks as ``ID_TASK``,
``CANCELLED by UID`` states, ``None assigned`` node lists for jobs that never started.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from wattwise.errors import UsageError
from wattwise.integrations.sacct import parse_sacct, parse_tres

SACCT = """JobID|JobName|Account|Partition|State|ElapsedRaw|AllocTRES|NodeList
48213|bert-ft|nlp-lab|a100|COMPLETED|7260|billing=128,cpu=64,gres/gpu:a100=8,gres/gpu=8,mem=500G,node=2|gpu[07-08]
48213.batch|batch|nlp-lab||COMPLETED|7260|cpu=32,gres/gpu:a100=4,gres/gpu=4,mem=250G,node=1|gpu07
48213.extern|extern|nlp-lab||COMPLETED|7260|billing=128,cpu=64,gres/gpu:a100=8,gres/gpu=8,mem=500G,node=2|gpu[07-08]
48213.0|torchrun|nlp-lab||COMPLETED|7201|cpu=64,gres/gpu:a100=8,gres/gpu=8,mem=500G,node=2|gpu[07-08]
48220_3|sweep|nlp-lab|cpu|FAILED|905|billing=16,cpu=16,mem=64000M,node=1|cn012
48220_3.batch|batch|nlp-lab||FAILED|905|cpu=16,mem=64000M,node=1|cn012
48221|pending|nlp-lab|a100|PENDING|0|billing=8,cpu=8,gres/gpu=1,mem=32G,node=1|None assigned
48222|live|nlp-lab|a100|RUNNING|3600|billing=8,cpu=8,gres/gpu=1,mem=32G,node=1|gpu09
48223|cancelled|nlp-lab|a100|CANCELLED by 1001|0|billing=8,cpu=8,gres/gpu=1,mem=32G,node=1|None assigned
48224|timeout|nlp-lab|a100|TIMEOUT|86410|billing=16,cpu=16,gres/gpu=2,mem=128G,node=1|gpu11
"""


def _cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "wattwise", "estimate", *args], capture_output=True, text=True,
                          timeout=120, input=stdin)


def test_column_mapping():
    jobs, skipped = parse_sacct(SACCT)
    by = {j.job_id: j for j in jobs}
    assert list(by) == ["48213", "48220_3", "48224"]  # allocations only: steps never add resources
    j = by["48213"]
    assert (j.elapsed_s, j.cpus, j.gpus, j.nodes, j.node_list, j.account, j.partition) == (
        7260.0, 64, [("a100", 8)], 2, "gpu[07-08]", "nlp-lab", "a100")
    assert j.mem_gb == pytest.approx(500 * 1024 ** 3 / 1e9)  # Slurm's G is GiB
    assert by["48220_3"].mem_gb == pytest.approx(64000 * 1024 ** 2 / 1e9) and by["48220_3"].gpus == []
    assert by["48224"].gpus == [(None, 2)]
    assert [(s["job_id"], s["reason"]) for s in skipped] == [
        ("48221", "not finished"), ("48222", "not finished"), ("48223", "never ran (ElapsedRaw 0)")]


def test_tres_units_and_mixed_gpu_types():
    t = parse_tres("cpu=4,mem=1.5T,gres/gpu:v100=1,gres/gpu:a100=2,gres/gpu=4", "x")
    assert t["gpus"] == [("v100", 1), ("a100", 2), (None, 1)] and t["mem_gb"] == pytest.approx(1.5 * 1024 ** 4 / 1e9)
    assert parse_tres("cpu=2,mem=2048", "x")["mem_gb"] == pytest.approx(2048 * 1024 ** 2 / 1e9)  # no suffix: MiB
    with pytest.raises(UsageError, match="line 3: AllocTRES value 'mem=lots'"):
        parse_tres("cpu=2,mem=lots", "line 3")


def test_parsable_with_trailing_pipes_is_the_same():
    trailing = "\n".join(line + "|" for line in SACCT.splitlines())
    assert [vars(j) for j in parse_sacct(trailing)[0]] == [vars(j) for j in parse_sacct(SACCT)[0]]


def test_each_job_is_the_calculators_estimate_for_its_allocation(tmp_path):
    f = tmp_path / "jobs.txt"
    f.write_text(SACCT)
    out = _cli("--from-sacct", str(f), "--gpu", "A100-80GB", "--cpu", "EPYC 7763", "--region", "FR", "--pue", "1.2", "--json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout.strip().splitlines()[-1])
    assert d["estimate"] is True and [j["job_id"] for j in d["jobs"]] == ["48213", "48220_3", "48224"]
    want = {"48213": ["--gpu", "A100-80GB:8", "--cpu", "EPYC 7763:64c", "--ram-gb", str(500 * 1024 ** 3 / 1e9), "--hours", str(7260 / 3600)],
            "48220_3": ["--cpu", "EPYC 7763:16c", "--ram-gb", str(64000 * 1024 ** 2 / 1e9), "--hours", str(905 / 3600)],
            "48224": ["--gpu", "A100-80GB:2", "--cpu", "EPYC 7763:16c", "--ram-gb", str(128 * 1024 ** 3 / 1e9), "--hours", str(86410 / 3600)]}
    for job in d["jobs"]:
        ref = _cli(*want[job["job_id"]], "--region", "FR", "--pue", "1.2", "--alternatives", "0", "--json")
        r = json.loads(ref.stdout.strip().splitlines()[-1])
        assert job["emissions_gco2e"] == pytest.approx(r["emissions_gco2e"], rel=1e-12), job["job_id"]
        assert job["energy_kwh"] == pytest.approx(r["energy_kwh"], rel=1e-12)
    assert d["emissions_gco2e"] == pytest.approx(sum(j["emissions_gco2e"] for j in d["jobs"]), rel=1e-12)
    assert d["pue"] == 1.2 and d["facility_energy_kwh"] == pytest.approx(d["energy_kwh"] * 1.2)
    assert [s["job_id"] for s in d["skipped"]] == ["48221", "48222", "48223"]
    text = _cli("--from-sacct", "-", "--gpu", "A100-80GB", "--cpu", "EPYC 7763", "--region", "FR", stdin=SACCT)
    assert text.returncode == 0 and "not a measurement" in text.stdout and "48220_3" in text.stdout
    assert "skipped 48222 (RUNNING): not finished" in text.stdout


@pytest.mark.parametrize("content, args, msg", [
    ("JobID|State\n1|COMPLETED\n", [], "no ElapsedRaw, AllocTRES column"),
    ("", [], "is empty"),
    (SACCT.replace("|7260|billing=128", "|7260|extra|billing=128", 1), [], "line 2: 9 fields where the header has 8"),
    (SACCT, ["--cpu", "EPYC 7763"], "job 48224 has 2 GPU(s) of a type sacct does not name; pass --gpu MODEL"),
    (SACCT, ["--gpu", "A100"], "pass --cpu MODEL"),
    (SACCT, ["--gpu", "A100", "--cpu", "EPYC 7763", "--hours", "3"], "drop --hours"),
    (SACCT.replace("|7260|", "|2h|", 1), ["--gpu", "A100", "--cpu", "EPYC 7763"], "ElapsedRaw '2h' is not a number"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, content, args, msg):
    f = tmp_path / "jobs.txt"
    f.write_text(content)
    out = _cli("--from-sacct", str(f), "--region", "FR", *args)
    assert out.returncode == 2 and msg in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_missing_file():
    out = _cli("--from-sacct", "/nonexistent/jobs.txt", "--region", "FR")
    assert out.returncode == 2 and "cannot read sacct file" in out.stderr
