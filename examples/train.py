"""A tiny, dependency-free training job: logistic regression by gradient descent.

It stands in for your training script so the README's first command runs anywhere:
    wattwise run --region FR -- python examples/train.py
"""
import math
import random
import sys

random.seed(0)
N, D, EPOCHS = 4000, 20, int(sys.argv[1]) if len(sys.argv) > 1 else 5
w_true = [random.gauss(0, 1) for _ in range(D)]
X = [[random.gauss(0, 1) for _ in range(D)] for _ in range(N)]
y = [1.0 if sum(a * b for a, b in zip(x, w_true)) > 0 else 0.0 for x in X]
w = [0.0] * D
lr = 0.1
for epoch in range(EPOCHS):
    grad = [0.0] * D
    loss = 0.0
    for xi, yi in zip(X, y):
        z = sum(a * b for a, b in zip(xi, w))
        p = 1 / (1 + math.exp(-max(min(z, 30), -30)))
        loss -= yi * math.log(p + 1e-12) + (1 - yi) * math.log(1 - p + 1e-12)
        for j in range(D):
            grad[j] += (p - yi) * xi[j]
    w = [wj - lr * g / N for wj, g in zip(w, grad)]
    acc = sum((sum(a * b for a, b in zip(xi, w)) > 0) == (yi == 1.0) for xi, yi in zip(X, y)) / N
    print(f"epoch {epoch + 1}/{EPOCHS}: loss {loss / N:.4f}, accuracy {acc:.3f}", flush=True)
