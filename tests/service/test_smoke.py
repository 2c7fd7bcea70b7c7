"""A first end-to-end call through the whole stack."""

from typing import Any


def test_create_and_describe_context(sm: Any) -> None:
    arn = sm.create_context(
        ContextName="Smoke", Source={"SourceUri": "s3://b/k"}, ContextType="Endpoint"
    )["ContextArn"]
    assert arn.endswith(":context/smoke")
    assert sm.describe_context(ContextName=arn)["ContextName"] == "Smoke"
