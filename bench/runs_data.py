"""The seeded training runs of the experiments section, identical for stemma and MLflow.

Standard library only: bench/mlflow_seed.py imports it from MLflow's own virtualenv.

Run ``i`` has two parameters, ``lr`` (log-uniform in [1e-4, 1e-1], written with six decimals so
that MLflow's string comparison of parameters orders them as numbers) and ``batch_size``, and
two metrics of ``POINTS`` points each: ``loss`` falling to its minimum, ``accuracy`` rising to
its maximum, so the last point of each series is also its Min (loss) or Max (accuracy), and
MLflow's filters on a metric's latest value select the same runs as stemma's on Min and Max.

The Search filter ``0.01 <= lr < 0.02`` keeps log10(2)/3 (10%) of the runs, ``loss.Min < 0.5``
a quarter of those: about 2.5% of the runs match.
"""

from __future__ import annotations

import random

POINTS = 5  # per metric and run: 1M runs hold 10M points
LR_LOW, LR_HIGH = "0.01", "0.02"
LOSS_BELOW = 0.5
START_MS = 1_700_000_000_000


def run_values(i: int) -> tuple[str, int, list[float], list[float]]:
    """(lr text, batch size, loss points, accuracy points) of run ``i``."""
    rng = random.Random(i)
    lr = f"{10 ** rng.uniform(-4, -1):.6f}"
    batch = (16, 32, 64, 128)[i % 4]
    loss_min = rng.uniform(0.2, 1.4)
    acc_max = rng.uniform(0.5, 0.99)
    loss = [round(loss_min + 0.1 * (POINTS - 1 - s), 6) for s in range(POINTS)]
    acc = [round(acc_max - 0.05 * (POINTS - 1 - s), 6) for s in range(POINTS)]
    return lr, batch, loss, acc


def matches(i: int) -> bool:
    lr, _, loss, _ = run_values(i)
    return LR_LOW <= lr < LR_HIGH and min(loss) < LOSS_BELOW


def created_ms(i: int) -> int:
    return START_MS + i * 1000
