"""wattwise.evaluate with the real frameworks: a PyTorch module and a tiny local transformers
pipeline (config with random weights, a word-level tokenizer built here: no hub download). Each
prediction is recomputed here by calling the model directly, and the metric by scikit-learn."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import need

import wattwise
from wattwise.units import J_PER_KWH

sk = pytest.importorskip("sklearn.metrics", reason="scikit-learn is in the [test] extra")


@pytest.fixture
def fake_rapl(tmp_path):
    from wattwise.testing import FakePowercap

    fake = FakePowercap(tmp_path / "sys")
    kw = dict(scope="node", powercap_root=str(fake.root), gpu=False, install_handlers=False, interval=0.2, store=False,
              idle_s=0)
    return fake, kw


def test_torch_classifier_and_regressor(fake_rapl):
    need("torch")
    import torch
    from sklearn.datasets import load_diabetes, load_digits

    fake, kw = fake_rapl
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    xt, yt = torch.tensor(X[:1200]), torch.tensor(y[:1200])
    for _ in range(60):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(xt), yt).backward()
        opt.step()
    net.register_forward_pre_hook(lambda mod, args: fake.advance(0, package_j=0.043 * len(args[0])))
    ink = np.where((X[1200:] > 0).sum(axis=1) > 30, "heavy", "light")
    ev = wattwise.evaluate(net, X[1200:], y[1200:], groups={"ink": ink}, batch_size=25, repeats=2, **kw)
    with torch.no_grad():
        pred = net(torch.tensor(X[1200:])).argmax(dim=1).numpy()
    assert not net.training  # the adapter put it in eval mode
    assert ev.overall["value"] == pytest.approx(sk.accuracy_score(y[1200:], pred))
    for g in ev.groups:
        m = ink == g["group"]
        assert g["value"] == pytest.approx(sk.accuracy_score(y[1200:][m], pred[m]))
    assert ev.to_dict()["model"].startswith("torch module Sequential")
    # the hook charged 43 mJ per item; warm-up ran before the windows
    assert ev.energy_kwh_per_1k == pytest.approx(43 / J_PER_KWH, rel=1e-6)

    Xd, yd = load_diabetes(return_X_y=True)
    Xd = Xd.astype(np.float32)
    reg = torch.nn.Linear(10, 1)
    with torch.no_grad():  # least squares, so the model is not a trivial one
        w, *_ = np.linalg.lstsq(np.c_[Xd[:300], np.ones(300)], yd[:300], rcond=None)
        reg.weight.copy_(torch.tensor(w[:10], dtype=torch.float32)[None, :])
        reg.bias.fill_(float(w[10]))
    ev = wattwise.evaluate(reg, Xd[300:], yd[300:], metric="mae", batch_size=16, **kw)
    with torch.no_grad():
        pred = reg(torch.tensor(Xd[300:]))[:, 0].numpy()
    assert ev.overall["value"] == pytest.approx(sk.mean_absolute_error(yd[300:], pred), rel=1e-6)
    assert ev.overall["value"] < 60  # a fitted model, not noise


def _tiny_text_classifier():
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", *"the a cat dog sat ran on mat fast slow big small red blue".split()]
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                                        sep_token="[SEP]", model_max_length=32)
    torch.manual_seed(3)
    cfg = BertConfig(vocab_size=len(words), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=32, max_position_embeddings=32, num_labels=2)
    return BertForSequenceClassification(cfg).eval(), tokenizer, words


def test_transformers_pipeline_with_ids_and_names(fake_rapl):
    need("torch", "transformers", "tokenizers")
    import random

    import torch
    from transformers import pipeline

    fake, kw = fake_rapl
    model, tokenizer, words = _tiny_text_classifier()
    pipe = pipeline("text-classification", model=model, tokenizer=tokenizer, device=-1)
    rng = random.Random(5)
    texts = [" ".join(rng.choice(words[4:]) for _ in range(rng.randint(2, 12))) for _ in range(60)]
    y = np.array([rng.randint(0, 1) for _ in texts])
    length = np.array(["short" if len(t.split()) <= 6 else "long" for t in texts])
    with torch.no_grad():
        direct = np.array([int(model(**tokenizer(t, return_tensors="pt")).logits.argmax(-1)) for t in texts])
    ev = wattwise.evaluate(pipe, texts, y, groups={"length": length}, batch_size=8, **kw)
    assert ev.to_dict()["model"].startswith("transformers pipeline 'text-classification'")
    assert ev.overall["value"] == pytest.approx(sk.accuracy_score(y, direct))
    for g in ev.groups:
        m = length == g["group"]
        assert g["value"] == pytest.approx(sk.accuracy_score(y[m], direct[m]))
    names = np.array([model.config.id2label[int(i)] for i in y])
    ev = wattwise.evaluate(pipe, texts, names, metric="macro_f1", batch_size=8, resamples=100, **kw)
    want = np.array([model.config.id2label[int(i)] for i in direct])
    assert ev.overall["value"] == pytest.approx(sk.f1_score(names, want, average="macro"))


def test_the_model_card_block_parses_with_huggingface_hub(fake_rapl, tmp_path):
    """The evaluation's model-index, and the training run's co2_eq_emissions beside it, read by the Hub's own parser."""
    need("huggingface_hub")
    from huggingface_hub import ModelCard
    from sklearn.datasets import load_iris
    from sklearn.naive_bayes import GaussianNB

    fake, kw = fake_rapl
    X, y = load_iris(return_X_y=True)
    with wattwise.track(region="FR", scope="node", powercap_root=kw["powercap_root"], gpu=False, store=False,
                        install_handlers=False) as train:
        fake.advance(0, package_j=1234.5)
        model = GaussianNB().fit(X[::2], y[::2])
    petals = np.where(X[1::2, 2] > 4, "long petals", "short petals")
    ev = wattwise.evaluate(model, X[1::2], y[1::2], groups={"petals": petals}, dataset="iris", **kw)
    card = ModelCard("---\n" + ev.model_card(training=train.result) + "---\n# GaussianNB on iris\n")
    results = card.data.eval_results
    assert card.data.model_name == "GaussianNB" and results[0].dataset_name == "iris"
    assert [(r.metric_type, r.metric_value) for r in results[:3]] == [
        ("accuracy", ev.overall["value"]), *(("accuracy", g["value"]) for g in ev.groups)]
    assert any(r.metric_type == "energy_kwh_per_1k_inferences" for r in results)
    co2 = card.data.co2_eq_emissions
    assert co2["emissions"] == pytest.approx(train.result.emissions_g, rel=1e-5) and co2["geographical_location"]
