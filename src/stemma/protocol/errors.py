"""AWS errors as Python exceptions, and nothing else.

Every error stemma answers with is a ``ServiceError``: an AWS error code, the HTTP status AWS uses
for it, and a message. Handlers and the pipeline raise them; one writer in
``protocol.serializer`` turns them into the wire form. Whether an error is *modeled* (gets the
capitalised ``Message`` member too) is read from the service model, not from this file.

    ServiceError
    ├── ValidationException          400  shape violations, duplicates, business rules
    ├── SerializationException       400  undecodable body, wrong JSON types
    ├── UnknownOperationException    400  unknown or unserved X-Amz-Target (405 for non-POST)
    ├── ResourceNotFound             400  modeled
    ├── ResourceLimitExceeded        400  modeled
    ├── ConflictException            400  modeled (never raised: writes are serialized)
    ├── ThrottlingException          400  retried by botocore at status 400
    ├── RequestEntityTooLarge        413
    ├── RequestHeaderFieldsTooLarge  431
    ├── MalformedHttpRequest         400  not HTTP/1.1 the server can parse
    ├── RequestTimeout               408  body not received in time
    ├── ServiceUnavailable           503  retried
    └── InternalFailure              500  retried; any unexpected exception
"""

from __future__ import annotations


class ServiceError(Exception):
    """An error with an AWS error code, sent to the client as-is."""

    code: str = "InternalFailure"
    status: int = 500

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class ValidationException(ServiceError):
    code = "ValidationException"
    status = 400


class SerializationException(ServiceError):
    code = "SerializationException"
    status = 400


class UnknownOperationException(ServiceError):
    code = "UnknownOperationException"
    status = 400


class ResourceNotFound(ServiceError):
    code = "ResourceNotFound"
    status = 400


class ResourceLimitExceeded(ServiceError):
    code = "ResourceLimitExceeded"
    status = 400


class ConflictException(ServiceError):
    code = "ConflictException"
    status = 400


class ThrottlingException(ServiceError):
    code = "ThrottlingException"
    status = 400


class RequestEntityTooLarge(ServiceError):
    code = "RequestEntityTooLargeException"
    status = 413


class RequestHeaderFieldsTooLarge(ServiceError):
    code = "RequestHeaderFieldsTooLarge"
    status = 431


class MalformedHttpRequest(ServiceError):
    """A request the HTTP parser refuses (request line, header syntax, framing): AWS's common
    error for "problems with the request at the HTTP level"."""

    code = "MalformedHttpRequestException"
    status = 400


class RequestTimeout(ServiceError):
    code = "RequestTimeoutException"
    status = 408


class ServiceUnavailable(ServiceError):
    code = "ServiceUnavailable"
    status = 503


class InternalFailure(ServiceError):
    code = "InternalFailure"
    status = 500
