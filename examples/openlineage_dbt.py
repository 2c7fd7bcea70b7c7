"""One lineage graph across dbt and a SageMaker-style training step (docs/openlineage.md).

1. Load raw tables into DuckDB and run the dbt project in examples/dbt_jaffle with ``dbt-ol``
   (openlineage-dbt), which sends its OpenLineage events to stemma's /api/v1/lineage.
2. Record a training step with boto3, as SageMaker code would: it reads the dbt table
   ``churn_features`` (the same URI, so the same artifact) and produces a model.
3. Ask QueryLineage, from the model, what is upstream: the dbt models and sources appear.

Needs stemma serving, boto3, dbt-duckdb and openlineage-dbt (``pip install openlineage-dbt
dbt-duckdb boto3``) and the key in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY; the endpoint in
STEMMA_URL (default http://127.0.0.1:8754), the region in AWS_DEFAULT_REGION (us-east-1).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import boto3

HERE = Path(__file__).parent
URL = os.environ.get("STEMMA_URL", "http://127.0.0.1:8754")
REGION = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")


def token(key_id: str, secret: str, region: str) -> str:
    """The OpenLineage token of a key (docs/openlineage.md; also: stemma openlineage token)."""
    import base64
    import hmac

    message = f"stemma-openlineage-v1\n{key_id}\n{region}".encode()
    mac = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return f"stol1.{key_id}.{region}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def artifact_arn(account: str, uri: str) -> str:
    canonical = json.dumps({"SourceUri": uri, "SourceTypes": []}, separators=(",", ":"))
    digest = hashlib.md5(canonical.encode()).hexdigest()
    return f"arn:aws:sagemaker:{REGION}:{account}:artifact/{digest}"


def run_dbt(workdir: Path) -> Path:
    """Load the raw tables, then ``dbt-ol run`` with OpenLineage pointed at stemma."""
    import duckdb

    project = workdir / "dbt_jaffle"
    shutil.copytree(HERE / "dbt_jaffle", project)
    database = workdir / "jaffle.duckdb"
    with duckdb.connect(str(database)) as db:
        db.execute("create schema raw")
        db.execute(
            "create table raw.customers as select * from (values (1, 'ann', 'web'),"
            " (2, 'bo', 'store'), (3, 'cy', 'web')) t(id, name, signup_channel)"
        )
        db.execute(
            "create table raw.orders as select * from (values (10, 1, 30.0, 'done'),"
            " (11, 1, 12.5, 'returned'), (12, 2, 99.0, 'done')) t(id, customer_id,"
            " amount, status)"
        )
    env = {
        **os.environ,
        "JAFFLE_DUCKDB": str(database),
        "OPENLINEAGE_URL": URL,
        "OPENLINEAGE_ENDPOINT": "api/v1/lineage",
        "OPENLINEAGE_API_KEY": token(
            os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"], REGION
        ),
        "OPENLINEAGE_NAMESPACE": "jaffle",
        "DBT_PROFILES_DIR": str(project),
        # dbt-ol starts ``dbt`` from PATH: the one installed beside this Python.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    dbt_ol = Path(sys.executable).with_name("dbt-ol")
    done = subprocess.run(
        [str(dbt_ol), "run", "--project-dir", str(project), "--profiles-dir", str(project)],
        check=False,
        env=env,
        cwd=project,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"dbt-ol run failed:\n{done.stdout}\n{done.stderr}")
    return database


def main() -> None:
    sm = boto3.client("sagemaker", endpoint_url=URL, region_name=REGION)
    account = os.environ.get("STEMMA_ACCOUNT", "123456789012")  # the key's account
    with tempfile.TemporaryDirectory() as workdir:
        database = run_dbt(Path(workdir))
    # dbt-duckdb names datasets duckdb://PATH + DATABASE.SCHEMA.TABLE (OpenLineage naming).
    features_uri = f"duckdb://{database}/jaffle.main.churn_features"
    features = artifact_arn(account, features_uri)
    sm.describe_artifact(ArtifactArn=features)  # dbt created it: boto3 sees the same artifact
    train = sm.create_action(
        ActionName="churn-train-1",
        ActionType="TrainingJob",
        Status="Completed",
        Source={"SourceUri": f"arn:aws:sagemaker:{REGION}:{account}:training-job/churn-train-1"},
    )["ActionArn"]
    model = sm.create_artifact(
        ArtifactType="Model", Source={"SourceUri": "s3://models/churn/model.tar.gz"}
    )["ArtifactArn"]
    sm.add_association(SourceArn=features, DestinationArn=train, AssociationType="ContributedTo")
    sm.add_association(SourceArn=train, DestinationArn=model, AssociationType="Produced")

    print("What is upstream of the model?")
    upstream = sm.query_lineage(StartArns=[model], Direction="Ascendants", MaxDepth=10)
    for vertex in sorted(upstream["Vertices"], key=lambda v: (v["LineageType"], v["Arn"])):
        kind, _, name = vertex["Arn"].rpartition(":")[2].partition("/")
        if kind == "artifact":
            name = sm.describe_artifact(ArtifactArn=vertex["Arn"])["Source"]["SourceUri"]
            name = name.replace(str(database), "<db>")
        print(f"  {vertex['LineageType']:<9} {vertex.get('Type', ''):<12} {name}")


if __name__ == "__main__":
    main()
