"""Seed MLflow's SQLite backend with the runs of bench/runs_data.py, through its SQLAlchemy store.

Run inside MLflow's own virtualenv (bench/servers.py starts it there):

    .venv-mlflow/bin/python -m bench.mlflow_seed sqlite:////path/mlflow.db 100000 /path/artifacts

``SqlAlchemyStore`` creates the schema at its head revision and the experiment; the runs, their
parameters, metric points and latest metrics then go in with one multi-row INSERT per table and
batch, through MLflow's own ORM tables (``SqlRun``, ``SqlParam``, ``SqlMetric``,
``SqlLatestMetric``): the rows ``log_batch`` would write, without its per-run round trips, which
would take hours at 100k runs. Prints the experiment id.
"""

from __future__ import annotations

import sys
import uuid

from bench.runs_data import created_ms, run_values

BATCH = 5_000


def main() -> int:
    from mlflow.store.tracking.dbmodels.models import (
        SqlLatestMetric,
        SqlMetric,
        SqlParam,
        SqlRun,
    )
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    uri, count, artifacts = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    store = SqlAlchemyStore(uri, artifacts)
    experiment_id = store.create_experiment("bench")
    with store.ManagedSessionMaker() as session:
        for start in range(0, count, BATCH):
            runs, params, metrics, latest = [], [], [], []
            for i in range(start, min(count, start + BATCH)):
                run_id = uuid.UUID(int=i + 1).hex
                ms = created_ms(i)
                lr, batch, loss, acc = run_values(i)
                runs.append(
                    {
                        "run_uuid": run_id,
                        "name": f"run-{i}",
                        "source_type": "LOCAL",
                        "source_name": "",
                        "entry_point_name": "",
                        "user_id": "bench",
                        "status": "FINISHED",
                        "start_time": ms,
                        "end_time": ms + 1000,
                        "source_version": "",
                        "lifecycle_stage": "active",
                        "artifact_uri": f"{artifacts}/{run_id}",
                        "experiment_id": int(experiment_id),
                    }
                )
                params.append({"key": "lr", "value": lr, "run_uuid": run_id})
                params.append({"key": "batch_size", "value": str(batch), "run_uuid": run_id})
                for key, values in (("loss", loss), ("accuracy", acc)):
                    for step, value in enumerate(values):
                        metrics.append(
                            {
                                "key": key,
                                "value": value,
                                "timestamp": ms + step,
                                "step": step,
                                "is_nan": False,
                                "run_uuid": run_id,
                            }
                        )
                    latest.append(
                        {
                            "key": key,
                            "value": values[-1],
                            "timestamp": ms + len(values) - 1,
                            "step": len(values) - 1,
                            "is_nan": False,
                            "run_uuid": run_id,
                        }
                    )
            for model, rows in (
                (SqlRun, runs),
                (SqlParam, params),
                (SqlMetric, metrics),
                (SqlLatestMetric, latest),
            ):
                session.execute(model.__table__.insert(), rows)
            session.commit()
    print(experiment_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
