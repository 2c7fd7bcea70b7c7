"""Seeded job trial components (D74): loaded through the store's bulk path into a running
server's database, then served like any other, typed by their job (D72) and exempt from the
per-trial quota (D64)."""

from __future__ import annotations

from collections.abc import Callable

from stemma.service.seeding import job_trial_component
from stemma.store import open_store
from stemma.store.contract import Association, Ref, Scope
from tests.awsjson import ACCOUNT, error_message
from tests.conftest import Server

REGION = "us-east-1"
JOB = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/Churn-Train-1"


def test_a_seeded_job_component_is_served_like_any_other(
    start_server: Callable[..., Server],
) -> None:
    server = start_server("--quota", "trial_components_per_trial=1")
    sm = server.client(REGION)
    model = sm.create_artifact(Source={"SourceUri": "s3://m/model.tar.gz"}, ArtifactType="Model")[
        "ArtifactArn"
    ]
    seeded = job_trial_component(
        "Churn-Train-1-aws-training-job",
        JOB,
        "SageMakerTrainingJob",
        status={"PrimaryStatus": "Completed"},
        parameters={"eta": {"NumberValue": 0.3}},
        metrics=[{"MetricName": "validation:auc", "Max": 0.9, "SourceArn": JOB, "Count": 3}],
    )
    store = open_store(server.db_url, migrate=False)
    try:
        model_ref = Ref("artifact", model.rsplit("/", 1)[1])
        edge = Association(Ref(seeded.kind, seeded.id), model_ref, "Produced", seeded.created_ms)
        assert store.bulk_load(Scope(ACCOUNT, REGION), [seeded], [edge]) == (1, 1)
    finally:
        store.close()

    tc_arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:experiment-trial-component/{seeded.id}"
    described = sm.describe_trial_component(TrialComponentName=seeded.id)
    assert described["TrialComponentName"] == "Churn-Train-1-aws-training-job"
    assert described["Source"] == {"SourceArn": JOB, "SourceType": "SageMakerTrainingJob"}
    assert described["Metrics"][0]["SourceArn"] == JOB
    assert "AutoCreated" not in described  # the flag is stemma's, never on the wire
    listed = sm.list_trial_components(
        SourceArn=JOB.upper().replace("ARN:AWS:SAGEMAKER", "arn:aws:sagemaker")
    )
    summaries = listed["TrialComponentSummaries"]
    assert [s["TrialComponentArn"] for s in summaries] == [tc_arn]
    assert summaries[0]["TrialComponentSource"] == described["Source"]

    # EndpointContext.training_job_arns() sends exactly this query (§9.5).
    jobs = sm.query_lineage(
        StartArns=[model],
        Direction="Ascendants",
        Filters={"Types": ["TrainingJob"], "LineageTypes": ["TrialComponent"]},
        IncludeEdges=False,
        MaxDepth=10,
    )
    assert jobs["Vertices"] == [
        {"Arn": tc_arn, "Type": "TrainingJob", "LineageType": "TrialComponent"}
    ]
    typed = sm.list_associations(DestinationArn=model, SourceType="SageMakerTrainingJob")
    assert [a["SourceName"] for a in typed["AssociationSummaries"]] == [seeded.name]

    # A trial holding its one counted member still takes the seeded component (D64) ...
    sm.create_experiment(ExperimentName="e")
    sm.create_trial(TrialName="t", ExperimentName="e")
    sm.create_trial_component(TrialComponentName="manual")
    sm.create_trial_component(TrialComponentName="manual-2")
    sm.associate_trial_component(TrialName="t", TrialComponentName="manual")
    sm.associate_trial_component(TrialName="t", TrialComponentName=seeded.id)
    # ... while a second manual one is refused.
    error_message(
        "ResourceLimitExceeded",
        sm.associate_trial_component,
        TrialName="t",
        TrialComponentName="manual-2",
    )
    # Otherwise ordinary: deletable once out of its trial, its association going with it.
    sm.disassociate_trial_component(TrialName="t", TrialComponentName=seeded.id)
    sm.delete_trial_component(TrialComponentName=seeded.id)
    assert sm.list_associations(DestinationArn=model)["AssociationSummaries"] == []
