"""The SigV4 failures, as AWS JSON services answer them: all HTTP 400 (D53, reference §8.4)."""

from __future__ import annotations

from stemma.protocol.errors import ServiceError


class AuthError(ServiceError):
    status = 400


class MissingAuthenticationTokenException(AuthError):
    code = "MissingAuthenticationTokenException"


class IncompleteSignatureException(AuthError):
    code = "IncompleteSignatureException"


class InvalidSignatureException(AuthError):
    code = "InvalidSignatureException"


class UnrecognizedClientException(AuthError):
    code = "UnrecognizedClientException"
