"""Three scikit-learn models on the digits data: accuracy overall and per ink band with 95% intervals
and counts, latency per item, energy and emissions per 1,000 inferences, and the Pareto front.

    python examples/evaluate_digits.py --region FR

The grouping is ink density: how many of the 64 pixels a writer's strokes cover (small or thin
handwriting vs large or bold), cut into thirds at the training set's tertiles. It is a property
of the image, not of the label, like the lighting or camera angle of a photo, so a model that
is worse on light-ink digits fails a kind of writer, which the average hides.
Needs: pip install "wattwise[evaluate]"
"""
from __future__ import annotations

import argparse

import numpy as np
from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC

import wattwise


def ink_bands(X, cuts):
    ink = (X > 0).sum(axis=1)
    return np.where(ink <= cuts[0], "light", np.where(ink <= cuts[1], "medium", "heavy"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--region", default="FR")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--store", default=None)
    args = ap.parse_args(argv)

    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.4, random_state=0, stratify=y)
    cuts = np.percentile((Xtr > 0).sum(axis=1), [100 / 3, 200 / 3])
    models = {"logistic regression": LogisticRegression(max_iter=5000), "SVC (RBF)": SVC(),
              "random forest": RandomForestClassifier(n_estimators=100, random_state=0)}
    evs = [wattwise.evaluate(m.fit(Xtr, ytr), Xte, yte, groups={"ink": ink_bands(Xte, cuts)}, name=name,
                             region=args.region, project="digits", dataset="sklearn digits (40% test split)",
                             repeats=args.repeats, store=args.store)
           for name, m in models.items()]
    print(wattwise.evaluate.side_by_side(evs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
