"""Every setting, declared once: its flag, environment variable, default and help.

The CLI builds its options from ``SETTINGS``, ``Settings.from_env`` reads them back in each
server worker, and ``docs/configuration.md`` is checked against this list by the test suite.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from stemma.context import Quotas

DEFAULT_PORT = 8754
DEFAULT_ACCOUNT_ID = "123456789012"
QUOTA_NAMES = tuple(f.name for f in fields(Quotas))


@dataclass(frozen=True)
class Setting:
    name: str
    flag: str
    env: str
    default: Any
    help: str
    metavar: str | None = None


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return Path(base) / "stemma"


SETTINGS: tuple[Setting, ...] = (
    Setting("host", "--host", "STEMMA_HOST", "127.0.0.1", "interface to listen on", "ADDR"),
    Setting("port", "--port", "STEMMA_PORT", DEFAULT_PORT, "TCP port; 0 picks a free one", "N"),
    Setting(
        "data_dir",
        "--data-dir",
        "STEMMA_DATA_DIR",
        None,
        "directory for the embedded database (default: $XDG_DATA_HOME/stemma, "
        "or ~/.local/share/stemma)",
        "DIR",
    ),
    Setting(
        "db",
        "--db",
        "STEMMA_DB",
        None,
        "database URL; default sqlite:///DATA_DIR/stemma.db",
        "URL",
    ),
    Setting(
        "workers", "--workers", "STEMMA_WORKERS", 1, "server processes sharing the socket", "N"
    ),
    Setting(
        "quota",
        "--quota",
        "STEMMA_QUOTA",
        (),
        "entity limit per account and region, NAME=N or NAME=unlimited, repeatable; names: "
        + ", ".join(QUOTA_NAMES)
        + " (defaults 500, 3000, 6000, 6000, as AWS)",
        "NAME=N",
    ),
    Setting(
        "account_id",
        "--account-id",
        "STEMMA_ACCOUNT_ID",
        DEFAULT_ACCOUNT_ID,
        "the 12-digit account id in every ARN",
        "ID",
    ),
    Setting(
        "log_level",
        "--log-level",
        "STEMMA_LOG_LEVEL",
        "info",
        "log level: debug (one line per request), info, warning, error",
        "LEVEL",
    ),
    Setting(
        "max_body",
        "--max-body",
        "STEMMA_MAX_BODY",
        1024 * 1024,
        "largest request body accepted, in bytes",
        "BYTES",
    ),
)


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    data_dir: Path = field(default_factory=default_data_dir)
    db: str = ""
    workers: int = 1
    quotas: Quotas = field(default_factory=Quotas)
    account_id: str = DEFAULT_ACCOUNT_ID
    log_level: str = "info"
    max_body: int = 1024 * 1024

    def __post_init__(self) -> None:
        if not self.db:
            self.db = f"sqlite:///{self.data_dir / 'stemma.db'}"
        if not re.fullmatch(r"[0-9]{12}", self.account_id):
            raise ValueError(f"account id must be 12 digits, got {self.account_id!r}")

    def to_env(self) -> dict[str, str]:
        """The settings as environment variables, for server worker processes."""
        quotas = [
            f"{name}={'unlimited' if value is None else value}"
            for name, value in vars(self.quotas).items()
        ]
        return {
            "STEMMA_HOST": self.host,
            "STEMMA_PORT": str(self.port),
            "STEMMA_DATA_DIR": str(self.data_dir),
            "STEMMA_DB": self.db,
            "STEMMA_WORKERS": str(self.workers),
            "STEMMA_QUOTA": ",".join(quotas),
            "STEMMA_ACCOUNT_ID": self.account_id,
            "STEMMA_LOG_LEVEL": self.log_level,
            "STEMMA_MAX_BODY": str(self.max_body),
        }

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        values: dict[str, Any] = {}
        for setting in SETTINGS:
            raw = env.get(setting.env)
            if raw is None or raw == "":
                continue
            values[setting.name] = raw
        return build(values)


def parse_quotas(items: list[str] | tuple[str, ...]) -> Quotas:
    """``["contexts=10", "actions=unlimited"]`` over the AWS defaults."""
    quotas = Quotas()
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or name not in QUOTA_NAMES:
            raise ValueError(f"quota must be NAME=N with NAME one of {', '.join(QUOTA_NAMES)}")
        value = value.strip()
        if value == "unlimited":
            setattr(quotas, name, None)
        elif value.isdigit():
            setattr(quotas, name, int(value))
        else:
            raise ValueError(f"quota {name} must be a whole number or 'unlimited', got {value!r}")
    return quotas


def build(values: dict[str, Any]) -> Settings:
    """Settings from raw option values (strings or already-typed), with defaults filled in."""
    quota = values.get("quota") or ()
    if isinstance(quota, str):
        quota = [q for q in quota.split(",") if q]
    kwargs: dict[str, Any] = {"quotas": parse_quotas(list(quota))}
    for key in ("host", "db", "account_id", "log_level"):
        if values.get(key) is not None:
            kwargs[key] = str(values[key])
    for key in ("port", "workers", "max_body"):
        if values.get(key) is not None:
            kwargs[key] = int(values[key])
    if values.get("data_dir") is not None:
        kwargs["data_dir"] = Path(values["data_dir"]).expanduser()
    return Settings(**kwargs)
