"""The requests the sections replay: creates, describes and lists of contexts, pre-signed.

The sections share them so that every section measures the same request bodies, and so that
names a create run made can be described afterwards.
"""

from __future__ import annotations

from bench.signed import raw_request


def created(completed: int, prefix: str = "c") -> list[str]:
    """Names a create run certainly made. wrk builds one request per thread before the run
    that it never sends, so the first name of each file is left out."""
    return [f"{prefix}{i}" for i in range(1, min(completed // 2, 2001))]


def creates(host: str, count: int, prefix: str = "c") -> list[bytes]:
    return [
        raw_request(
            host,
            "SageMaker.CreateContext",
            {
                "ContextName": f"{prefix}{i}",
                "Source": {"SourceUri": f"s3://b/{i}"},
                "ContextType": "Endpoint",
            },
        )
        for i in range(count)
    ]


def describes(host: str, names: list[str]) -> list[bytes]:
    return [raw_request(host, "SageMaker.DescribeContext", {"ContextName": n}) for n in names]


def lists(host: str) -> list[bytes]:
    return [raw_request(host, "SageMaker.ListContexts", {"MaxResults": 10})]
