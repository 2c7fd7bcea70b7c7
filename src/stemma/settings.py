"""Every setting, declared once: its flag, environment variable, type, default and help.

The CLI builds its options from ``SETTINGS``; ``Settings.from_env`` reads them back in each
server worker; ``docs/configuration.md`` is checked against this list by the test suite.
The root key is never passed on to workers: the parent stores it, workers read keys from the
store.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from stemma.context import Quotas

DEFAULT_PORT = 8754
DEFAULT_ACCOUNT_ID = "123456789012"
QUOTA_NAMES = tuple(f.name for f in fields(Quotas))


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return Path(base) / "stemma"


def _flag(text: str | bool) -> bool:
    if isinstance(text, bool):  # a command-line switch
        return text
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"expected true or false, got {text!r}")


def _whole(text: Any) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        raise ValueError(f"expected a whole number, got {text!r}") from None


def _number(text: Any) -> float:
    try:
        return float(str(text).strip())
    except ValueError:
        raise ValueError(f"expected a number, got {text!r}") from None


def _choice(*allowed: str) -> Callable[[Any], str]:
    def parse(text: Any) -> str:
        value = str(text).strip().lower()
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}, got {text!r}")
        return value

    return parse


def _quotas(items: Any) -> Quotas:
    """``"contexts=10,actions=unlimited"`` or a list of ``NAME=N``, over the AWS defaults."""
    if isinstance(items, str):
        items = [q for q in items.split(",") if q]
    quotas = Quotas()
    for item in items:
        name, sep, value = str(item).partition("=")
        name, value = name.strip(), value.strip()
        if not sep or name not in QUOTA_NAMES:
            raise ValueError(f"quota must be NAME=N with NAME one of {', '.join(QUOTA_NAMES)}")
        if value == "unlimited":
            setattr(quotas, name, None)
        elif value.isdigit():
            setattr(quotas, name, int(value))
        else:
            raise ValueError(f"quota {name} must be a whole number or 'unlimited', got {value!r}")
    return quotas


def _regions(items: Any) -> tuple[str, ...]:
    """``"botocore,lab-*"`` (or a list of such strings): region names and patterns."""
    if isinstance(items, str):
        items = [items]
    regions = tuple(r.strip() for item in items for r in str(item).split(",") if r.strip())
    if not regions:
        raise ValueError("--regions needs at least one region, pattern or 'botocore'")
    return regions


def _quota_text(quotas: Quotas) -> str:
    return ",".join(
        f"{name}={'unlimited' if value is None else value}" for name, value in vars(quotas).items()
    )


@dataclass(frozen=True)
class Setting:
    name: str  # the Settings attribute
    flag: str
    env: str
    parse: Callable[[Any], Any]
    help: str
    metavar: str | None = None
    default_text: str = ""  # for --help; the value itself is the Settings field default
    is_switch: bool = False  # a flag without a value
    repeatable: bool = False
    serve_only: bool = False  # read by the serving parent only, never copied to workers


SETTINGS: tuple[Setting, ...] = (
    Setting("host", "--host", "STEMMA_HOST", str, "interface to listen on", "ADDR", "127.0.0.1"),
    Setting("port", "--port", "STEMMA_PORT", _whole, "TCP port; 0 picks a free one", "N", "8754"),
    Setting(
        "data_dir",
        "--data-dir",
        "STEMMA_DATA_DIR",
        lambda v: Path(v).expanduser(),
        "directory for the embedded database, master key and generated root key",
        "DIR",
        "$XDG_DATA_HOME/stemma or ~/.local/share/stemma",
    ),
    Setting("db", "--db", "STEMMA_DB", str, "database URL", "URL", "sqlite:///DATA_DIR/stemma.db"),
    Setting(
        "workers",
        "--workers",
        "STEMMA_WORKERS",
        _whole,
        "server processes sharing the socket",
        "N",
        "1",
    ),
    Setting(
        "quotas",
        "--quota",
        "STEMMA_QUOTA",
        _quotas,
        "entity limit per account and region (trials_per_experiment and "
        "trial_components_per_trial: per experiment and per trial), NAME=N or NAME=unlimited, "
        "repeatable; names: " + ", ".join(QUOTA_NAMES),
        "NAME=N",
        "as AWS: contexts=500 actions=3000 artifacts=6000 associations=6000 "
        "trials_per_experiment=300 trial_components_per_trial=50, the rest unlimited",
        repeatable=True,
    ),
    Setting(
        "regions",
        "--regions",
        "STEMMA_REGIONS",
        _regions,
        "regions a request may be signed for: names, patterns (* and ?) and 'botocore' (the "
        "regions botocore knows for SageMaker), comma-separated or repeated; '*' allows any",
        "LIST",
        "botocore",
        repeatable=True,
    ),
    Setting(
        "account_id",
        "--account-id",
        "STEMMA_ACCOUNT_ID",
        str,
        "the 12-digit account of the root key (and of every request with --no-auth)",
        "ID",
        DEFAULT_ACCOUNT_ID,
    ),
    Setting(
        "root_access_key_id",
        "--root-access-key-id",
        "STEMMA_ROOT_ACCESS_KEY_ID",
        str,
        "access key id of the root key; without one, a root key is generated on first start",
        "ID",
        "generated",
        serve_only=True,
    ),
    Setting(
        "root_secret_access_key",
        "--root-secret-access-key",
        "STEMMA_ROOT_SECRET_ACCESS_KEY",
        str,
        "secret access key of the root key (prefer the environment variable)",
        "SECRET",
        "generated",
        serve_only=True,
    ),
    Setting(
        "no_migrate",
        "--no-migrate",
        "STEMMA_NO_MIGRATE",
        _flag,
        "do not apply pending migrations at start (run 'stemma migrate' first)",
        is_switch=True,
        default_text="off",
    ),
    Setting(
        "no_auth",
        "--no-auth",
        "STEMMA_NO_AUTH",
        _flag,
        "accept unsigned and wrongly signed requests: for throwaway local testing only",
        is_switch=True,
        default_text="off",
    ),
    Setting(
        "tls_cert",
        "--tls-cert",
        "STEMMA_TLS_CERT",
        str,
        "serve HTTPS with this PEM certificate",
        "FILE",
    ),
    Setting("tls_key", "--tls-key", "STEMMA_TLS_KEY", str, "private key of --tls-cert", "FILE"),
    Setting(
        "upstream",
        "--upstream",
        "STEMMA_UPSTREAM",
        str,
        "a SageMaker-compatible endpoint that gets every operation stemma does not serve, "
        "relayed unchanged (a moto server in tests, say); without it they are "
        "UnknownOperationException",
        "URL",
    ),
    Setting(
        "rate_limit",
        "--rate-limit",
        "STEMMA_RATE_LIMIT",
        _number,
        "requests per second per access key and worker; over it: ThrottlingException; 0 = off",
        "N",
        "0",
    ),
    Setting(
        "expensive_concurrency",
        "--expensive-concurrency",
        "STEMMA_EXPENSIVE_CONCURRENCY",
        _whole,
        "QueryLineage calls and List pages one access key may run at once per worker; more "
        "wait their turn; 0 = no bound",
        "N",
        "1",
    ),
    Setting(
        "clock_skew",
        "--clock-skew",
        "STEMMA_CLOCK_SKEW",
        _whole,
        "seconds a request's signature date may differ from the server clock",
        "SECONDS",
        "300",
    ),
    Setting(
        "request_timeout",
        "--request-timeout",
        "STEMMA_REQUEST_TIMEOUT",
        _number,
        "seconds a client may take to send a whole request, headers and body",
        "SECONDS",
        "30",
    ),
    Setting(
        "idle_timeout",
        "--idle-timeout",
        "STEMMA_IDLE_TIMEOUT",
        _number,
        "seconds a connection may stay open with no request in progress, new or kept alive",
        "SECONDS",
        "5",
    ),
    Setting(
        "max_connections",
        "--max-connections",
        "STEMMA_MAX_CONNECTIONS",
        _whole,
        "open connections per worker (kept below its open-file limit); past it, the longest "
        "idle one is closed",
        "N",
        "4096",
    ),
    Setting(
        "max_body",
        "--max-body",
        "STEMMA_MAX_BODY",
        _whole,
        "largest request body accepted, in bytes",
        "BYTES",
        "1048576",
    ),
    Setting(
        "openlineage_url",
        "--openlineage-url",
        "STEMMA_OPENLINEAGE_URL",
        str,
        "forward every committed change as an OpenLineage event to this HTTP endpoint "
        "(http(s)://host[:port][/path]; /api/v1/lineage is added to a bare host)",
        "URL",
    ),
    Setting(
        "openlineage_api_key",
        "--openlineage-api-key",
        "STEMMA_OPENLINEAGE_API_KEY",
        str,
        "bearer token sent with forwarded OpenLineage events",
        "TOKEN",
    ),
    Setting(
        "openlineage_queue",
        "--openlineage-queue",
        "STEMMA_OPENLINEAGE_QUEUE",
        int,
        "most OpenLineage events waiting to be forwarded; past it the oldest are dropped",
        "N",
        "10000",
    ),
    Setting(
        "openlineage_max_event",
        "--openlineage-max-event",
        "STEMMA_OPENLINEAGE_MAX_EVENT",
        int,
        "largest OpenLineage event accepted at /api/v1/lineage, in bytes",
        "BYTES",
        "1048576",
    ),
    Setting(
        "log_level",
        "--log-level",
        "STEMMA_LOG_LEVEL",
        _choice("debug", "info", "warning", "error"),
        "debug (one line per request), info, warning or error",
        "LEVEL",
        "info",
    ),
    Setting(
        "log_format",
        "--log-format",
        "STEMMA_LOG_FORMAT",
        _choice("text", "json"),
        "text, or json: one JSON object per log line, and an access line per request",
        "FORMAT",
        "text",
    ),
    Setting(
        "metrics_token",
        "--metrics-token",
        "STEMMA_METRICS_TOKEN",
        str,
        "serve Prometheus metrics at /metrics to requests with 'Authorization: Bearer TOKEN' "
        "(prefer the environment variable)",
        "TOKEN",
    ),
    Setting(
        "metrics_port",
        "--metrics-port",
        "STEMMA_METRICS_PORT",
        _whole,
        "serve Prometheus metrics at /metrics on this port of --host, without a token, and "
        "not on the API port",
        "N",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    data_dir: Path = field(default_factory=default_data_dir)
    db: str = ""
    workers: int = 1
    quotas: Quotas = field(default_factory=Quotas)
    regions: tuple[str, ...] = ("botocore",)
    account_id: str = DEFAULT_ACCOUNT_ID
    root_access_key_id: str = ""
    root_secret_access_key: str = ""
    no_migrate: bool = False
    no_auth: bool = False
    tls_cert: str = ""
    tls_key: str = ""
    upstream: str = ""
    rate_limit: float = 0.0
    expensive_concurrency: int = 1
    clock_skew: int = 300
    request_timeout: float = 30.0
    idle_timeout: float = 5.0
    max_connections: int = 4096
    max_body: int = 1024 * 1024
    log_level: str = "info"
    openlineage_url: str = ""
    openlineage_api_key: str = ""
    openlineage_queue: int = 10_000
    openlineage_max_event: int = 1024 * 1024
    log_format: str = "text"
    metrics_token: str = ""
    metrics_port: int | None = None

    def __post_init__(self) -> None:
        if not self.db:
            self.db = f"sqlite:///{self.data_dir / 'stemma.db'}"
        if not re.fullmatch(r"[0-9]{12}", self.account_id):
            raise ValueError(f"account id must be 12 digits, got {self.account_id!r}")
        if bool(self.root_access_key_id) != bool(self.root_secret_access_key):
            raise ValueError("give both the root access key id and its secret, or neither")
        if bool(self.tls_cert) != bool(self.tls_key):
            raise ValueError("--tls-cert and --tls-key go together")
        if self.db.partition("://")[0] not in ("sqlite", "postgresql", "postgres"):
            raise ValueError(
                f"--db must be sqlite:///PATH or postgresql://USER@HOST:PORT/DB, got {self.db!r}"
            )
        if not 0 <= self.port <= 65535:
            raise ValueError(f"--port must be between 0 and 65535, got {self.port}")
        if self.metrics_port is not None and not 0 <= self.metrics_port <= 65535:
            raise ValueError(f"--metrics-port must be between 0 and 65535, got {self.metrics_port}")
        if self.workers < 1:
            raise ValueError("--workers must be at least 1")
        if self.expensive_concurrency < 0:
            raise ValueError("--expensive-concurrency must be 0 or more")
        if self.max_connections < 1:
            raise ValueError("--max-connections must be at least 1")
        if self.idle_timeout <= 0:
            raise ValueError("--idle-timeout must be more than 0")
        if self.openlineage_url and not re.fullmatch(
            r"https?://[^/\s]+(/\S*)?", self.openlineage_url
        ):
            raise ValueError(
                f"--openlineage-url must be an http(s) URL, got {self.openlineage_url!r}"
            )
        if self.openlineage_queue < 1 or self.openlineage_max_event < 1:
            raise ValueError("--openlineage-queue and --openlineage-max-event must be at least 1")
        if self.upstream and not re.fullmatch(r"https?://[^/\s]+/?", self.upstream):
            raise ValueError(f"--upstream must be http(s)://host[:port], got {self.upstream!r}")

    def to_env(self) -> dict[str, str]:
        """The settings as environment variables for worker processes. The root key is left out:
        the parent stores it, and workers read keys from the store."""
        env = {}
        for setting in SETTINGS:
            if setting.serve_only:
                continue
            value = getattr(self, setting.name)
            if isinstance(value, Quotas):
                text = _quota_text(value)
            elif isinstance(value, tuple):
                text = ",".join(value)
            elif isinstance(value, bool):
                text = "true" if value else ""
            elif value is None:
                continue
            else:
                text = str(value)
            env[setting.env] = text
        return env

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
    ) -> Settings:
        """Settings from environment variables, then ``overrides`` (command-line flags) on top;
        an override of None means the flag was not given."""
        source = os.environ if env is None else env
        values: dict[str, Any] = {s.name: source[s.env] for s in SETTINGS if source.get(s.env)}
        values.update({k: v for k, v in (overrides or {}).items() if v is not None})
        return build(values)


def build(values: dict[str, Any]) -> Settings:
    """Settings from raw option values (strings, or lists for repeatable options)."""
    kwargs = {}
    for name, value in values.items():
        setting = _BY_NAME[name]
        try:
            kwargs[name] = setting.parse(value)
        except ValueError as exc:  # name the option, so the user knows what to fix
            raise ValueError(f"{setting.flag} (or {setting.env}): {exc}") from None
    return Settings(**kwargs)
