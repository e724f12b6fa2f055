"""The framework-free core of the callbacks (FitSession), light imports and missing-framework errors.

These run everywhere (CI installs no training framework); the framework tests sit beside them.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from wattwise.errors import UsageError
from wattwise.integrations._session import FitSession, WattwiseWarning, check_settings, guarded
from wattwise.store import open_store
from wattwise.testing import ConstantPowerSensor
from wattwise.units import J_PER_KWH

# A wattwise problem is a warning during training; in these tests an unexpected one is a failure.
pytestmark = pytest.mark.filterwarnings("error::wattwise.integrations._session.WattwiseWarning")

FRAMEWORKS = ("torch", "transformers", "lightning", "pytorch_lightning", "accelerate", "huggingface_hub")


def _new_modules(code: str) -> list[str]:
    script = f"import sys\nbefore = set(sys.modules)\n{code}\nprint(__import__('json').dumps(sorted(set(sys.modules) - before)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_wattwise_and_the_package_load_no_framework():
    new = _new_modules("import wattwise")
    assert not [m for m in new if m.startswith("wattwise.integrations")]
    new = _new_modules("import wattwise.integrations")
    assert sorted({m.split(".")[0] for m in new} & set(FRAMEWORKS)) == []


@pytest.mark.parametrize("module, hidden, install", [
    ("transformers", ["transformers"], "pip install transformers"),
    ("lightning", ["lightning", "lightning.pytorch", "pytorch_lightning"], "pip install lightning"),
    ("pytorch_lightning", ["pytorch_lightning"], "pip install pytorch-lightning"),
])
def test_missing_framework_is_a_missing_extra_error_naming_the_install(module, hidden, install):
    code = ("import sys\n"
            + "".join(f"sys.modules[{h!r}] = None\n" for h in hidden)
            + "from wattwise.errors import MissingExtraError\n"
            + "try:\n"
            + f"    import wattwise.integrations.{module}\n"
            + "except MissingExtraError as e:\n"
            + "    print('MISSING', e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    line = out.stdout.strip().splitlines()[-1]
    assert line.startswith("MISSING ") and install in line, line
    assert "\n" not in line and "Traceback" not in out.stderr


def _session(tmp_path, watts=120.0, **kw) -> FitSession:
    tk = dict(region="FR", interval=0.1, store=str(tmp_path / "runs.db"), sensors=[ConstantPowerSensor("gpu:0", watts)])
    tk.update(kw.pop("tracker_kwargs", {}))
    return FitSession("unit", verbose=False, tracker_kwargs=tk, **kw)


def test_session_windows_metrics_and_model_card_block(tmp_path):
    s = _session(tmp_path)
    assert s.begin(measure=True, report=True, project="core", name="r1", total_steps=4)
    epoch_metrics = []
    for ep in range(2):
        s.epoch_begin(ep)
        time.sleep(0.12)
        s.progress(2 * ep + 1)
        epoch_metrics.append(s.epoch_end(step=2 * ep + 2))
    final = s.finish()
    m = s.result
    assert [w.name for w in m.windows] == ["epoch-0", "epoch-1"]
    for w, em in zip(m.windows, epoch_metrics):
        assert em["wattwise_epoch_energy_kwh"] == pytest.approx(w.energy_j / J_PER_KWH)
        assert w.energy_j == pytest.approx(120.0 * w.duration_s, rel=0.1)
        assert em["wattwise_epoch_emissions_gco2e"] == pytest.approx(w.emissions_g)
        assert em["wattwise_epoch_duration_s"] == pytest.approx(w.duration_s)
    # cumulative so far grows, and the projection was made in steps
    assert epoch_metrics[1]["wattwise_energy_kwh"] > epoch_metrics[0]["wattwise_energy_kwh"] > 0
    assert "wattwise_projected_emissions_gco2e" in epoch_metrics[1]
    proj = m.extra["projection"]
    assert proj["unit"] == "step" and proj["total"] == 4 and proj["done"] == 4 and proj["source"] == "unit"
    # final totals are the stored run's own figures
    assert final["wattwise_energy_kwh"] == pytest.approx(m.energy_kwh)
    assert final["wattwise_emissions_gco2e"] == pytest.approx(m.emissions_g)
    assert final["wattwise_emissions_gco2e"] == pytest.approx(m.energy_kwh * m.pue * m.intensity.g_per_kwh)
    assert final["wattwise_intensity_g_per_kwh"] == m.intensity.g_per_kwh
    stored = open_store(tmp_path / "runs.db").get_run(m.run_id)
    assert stored["status"] == "finished" and stored["project"] == "core" and len(stored["windows"]) == 2
    # Hugging Face's co2_eq_emissions block, in grams
    card = s.model_card_metadata()["co2_eq_emissions"]
    assert set(card) == {"emissions", "source", "training_type", "geographical_location", "hardware_used"}
    assert card["emissions"] == pytest.approx(m.emissions_g, rel=1e-5)
    assert card["geographical_location"] == "France" and card["training_type"] == "pre-training"
    assert "wattwise" in card["source"] and "gCO2e/kWh" in card["source"]
    assert s.model_card_metadata("fine-tuning")["co2_eq_emissions"]["training_type"] == "fine-tuning"
    with pytest.raises(UsageError, match="pre-training"):
        s.model_card_metadata("finetune")
    assert s.finish() == final  # idempotent


def test_session_projects_by_epoch_when_steps_are_unknown(tmp_path):
    s = _session(tmp_path)
    s.begin(measure=True, report=True, project="p", total_steps=float("inf"), total_epochs=2)
    for ep in range(2):
        s.epoch_begin(ep)
        time.sleep(0.05)
        s.epoch_end(step=None)
    s.finish()
    proj = s.result.extra["projection"]
    assert proj["unit"] == "epoch" and proj["total"] == 2 and proj["done"] == 2


def test_a_process_that_does_not_measure_does_nothing(tmp_path):
    s = _session(tmp_path)
    assert s.begin(measure=False, report=False, project="p", total_steps=4) is False
    s.epoch_begin(0)
    assert s.epoch_end(step=2) == {} and s.so_far() == {} and s.finish() == {}
    assert s.result is None and s.tracker is None
    assert not (tmp_path / "runs.db").exists()
    with pytest.raises(UsageError, match="does not measure"):
        s.model_card_metadata()


def test_a_broken_environment_is_a_warning_not_a_crash(tmp_path, monkeypatch):
    """A misconfigured WATTWISE_REGION on a cluster must not stop the training it watches."""
    monkeypatch.setenv("WATTWISE_REGION", "Atlantis")
    s = _session(tmp_path, tracker_kwargs={"region": None})
    with pytest.warns(WattwiseWarning, match="unknown region 'Atlantis'.*without energy tracking"):
        assert s.begin(measure=True, report=True, project="p") is False
    s.epoch_begin(0)
    assert s.epoch_end(step=1) == {} and s.finish() == {}
    with pytest.raises(UsageError, match="could not start"):
        s.model_card_metadata()
    strict = _session(tmp_path, strict=True, tracker_kwargs={"region": None})
    with pytest.raises(UsageError, match="Atlantis"):
        strict.begin(measure=True, report=True, project="p")


class _Hooks:
    def __init__(self, strict):
        self.session = FitSession("unit", strict=strict)

    @guarded
    def on_epoch_end(self, state):
        return state["log_history"].append({"x": 1})


def test_guarded_hooks_turn_errors_into_warnings_unless_strict():
    h = _Hooks(strict=False)
    with pytest.warns(WattwiseWarning, match="on_epoch_end failed.*AttributeError"):
        assert h.on_epoch_end({"log_history": ()}) is None
    with pytest.raises(AttributeError):
        _Hooks(strict=True).on_epoch_end({"log_history": ()})


def test_settings_that_can_never_work_fail_at_construction():
    with pytest.raises(UsageError, match="did you mean 'FR'"):
        check_settings("Frnace", None, {"region": "Frnace"})
    with pytest.raises(UsageError, match="training_type"):
        check_settings(None, "finetuning", {})
    with pytest.raises(UsageError, match="interval"):
        check_settings(None, None, {"interval": 0})
    check_settings("gcp:europe-west1", "fine-tuning", {"region": "gcp:europe-west1", "interval": 1.0})


def test_model_card_front_matter_is_merged_not_replaced(tmp_path):
    pytest.importorskip("huggingface_hub", reason="writing a model card uses huggingface_hub (pip install huggingface_hub)")
    from huggingface_hub import ModelCard

    s = _session(tmp_path)
    s.begin(measure=True, report=True, project="p")
    time.sleep(0.1)
    s.finish()
    readme = tmp_path / "model" / "README.md"
    readme.parent.mkdir()
    readme.write_text("---\nlicense: apache-2.0\ntags:\n- text-classification\n---\n\n# My model\n\nHand-written notes.\n")
    assert s.write_model_card(readme.parent) == readme
    card = ModelCard.load(readme)
    assert card.data.license == "apache-2.0" and card.data.tags == ["text-classification"]
    assert card.data.co2_eq_emissions == s.model_card_metadata()["co2_eq_emissions"]
    assert "Hand-written notes." in card.text
    # a new card gets the block and a one-paragraph account with units
    fresh = s.write_model_card(tmp_path / "new" / "README.md", "fine-tuning")
    text = fresh.read_text()
    assert "co2_eq_emissions:" in text and "training_type: fine-tuning" in text
    assert "## Environmental impact" in text and "g CO2e" in text and s.result.run_id in text


def test_signals_stay_the_frameworks(tmp_path):
    """Lightning's SIGTERM handling (clean stop, Slurm requeue) must not meet a tracker handler."""
    import signal

    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    s = _session(tmp_path)
    s.begin(measure=True, report=True, project="p")
    try:
        assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before
    finally:
        s.finish()


def test_exit_without_the_end_hook_stores_the_run_as_interrupted(tmp_path):
    db = tmp_path / "runs.db"
    code = ("import time\n"
            "from wattwise.integrations._session import FitSession\n"
            "from wattwise.testing import ConstantPowerSensor\n"
            f"s = FitSession('unit', verbose=False, tracker_kwargs=dict(region='FR', interval=0.1, store={str(db)!r},"
            " sensors=[ConstantPowerSensor('gpu:0', 50.0)]))\n"
            "s.begin(measure=True, report=True, project='p')\n"
            "s.epoch_begin(0)\ntime.sleep(0.3)\n"
            "print(s.tracker.run_id)\n")  # the script ends mid-epoch: no finish()
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    run = open_store(db).get_run(p.stdout.strip())
    assert run["status"] == "interrupted"
    assert [w["name"] for w in run["windows"]] == ["epoch-0"]
    assert run["result"]["energy_kwh"] > 0
