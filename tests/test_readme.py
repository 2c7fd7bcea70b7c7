"""The README, followed as a new user follows it: its shell and Python blocks run top to bottom,
in a copy of the clone, in a fresh shell (no stemma on PATH, an empty HOME), against the server
its "Set up" starts. A block a new user would not run says why, in a comment just above it.

The server is started in the background on a free port (``--port 0``) rather than in the
foreground on 8754; the README's URL and its ``STMA...``/``...`` key placeholders are replaced
by the real ones, as a reader replaces them.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
README = ROOT / "README.md"
SKIP = "<!-- not run by tests/test_readme.py: "
BLOCK = re.compile(
    r"(?P<skip><!-- not run by tests/test_readme.py: [^>]*-->\n)?"
    r"```(?P<lang>\w*)\n(?P<body>.*?)```",
    re.S,
)
DEFAULT_URL = "http://127.0.0.1:8754"


def blocks() -> list[tuple[str, str, bool]]:
    """(language, body, runs) for every fenced block, in order."""
    return [(m["lang"], m["body"], m["skip"] is None) for m in BLOCK.finditer(README.read_text())]


def test_every_block_not_run_says_why() -> None:
    text = README.read_text()
    for line in text.splitlines():
        if line.startswith(SKIP):
            assert len(line.removeprefix(SKIP).removesuffix("-->").strip()) > 10, line
    runnable = [lang for lang, _, runs in blocks() if runs and lang]
    assert runnable.count("sh") >= 3 and runnable.count("python") >= 1


def test_scripts_test_says_it_installs_chromium() -> None:
    script = (ROOT / "scripts" / "test").read_text()
    say = script.index("echo \"scripts/test: installing Debian's chromium")
    assert say < script.index("apt-get install")
    assert "installs Debian's `chromium` with\n`apt-get`" in README.read_text()


def _fresh_env(home: Path) -> dict[str, str]:
    own_bin = str(Path(sys.executable).parent)
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p != own_bin]
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("STEMMA_", "AWS_", "VIRTUAL_ENV", "PYTHON"))
    }
    env.update(PATH=os.pathsep.join(path), HOME=str(home))
    env.pop("XDG_DATA_HOME", None)
    return env


def _clone(into: Path) -> None:
    """What a clone holds that installing stemma and running the examples read."""
    into.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    for name in ("src", "examples"):
        shutil.copytree(ROOT / name, into / name, ignore=ignore)
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, into / name)


def _fill(body: str, url: str, key_id: str, secret: str) -> str:
    body = body.replace(DEFAULT_URL, url).replace("STMA...", key_id)
    body = body.replace("AWS_SECRET_ACCESS_KEY=...", f"AWS_SECRET_ACCESS_KEY={secret}")
    return body.replace('aws_secret_access_key="..."', f'aws_secret_access_key="{secret}"')


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{command}: {output}"
    assert "Traceback" not in output, output
    return result.stdout


def _without_ids(text: str) -> str:
    return re.sub(r"[0-9a-f]{32}", "ID", text).strip()


def test_readme_runs_top_to_bottom(tmp_path: Path) -> None:
    if shutil.which("python3", path=_fresh_env(tmp_path)["PATH"]) is None:
        pytest.skip("no python3 on PATH outside this virtualenv")
    clone, home = tmp_path / "clone", tmp_path / "home"
    _clone(clone)
    home.mkdir()
    env = _fresh_env(home)
    found = blocks()
    setup = next(body for lang, body, runs in found if runs and "stemma serve" in body)
    install, _, rest = setup.partition("stemma serve")
    assert rest.strip() == "", "stemma serve ends the Set up block"
    _run(["bash", "-e", "-c", install], clone, env)

    log_path = tmp_path / "serve.log"
    with open(log_path, "w") as log:  # in the background, on a free port
        server = subprocess.Popen(
            ["bash", "-c", ". .venv/bin/activate && exec stemma serve --port 0"],
            cwd=clone,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        deadline = time.monotonic() + 60
        while "aws_secret_access_key=" not in log_path.read_text():
            assert server.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.1)
        started = log_path.read_text()
        url = started.split("listening on ", 1)[1].split()[0]
        key_id = started.split("AccessKeyId:", 1)[1].split()[0]
        secret = started.split("SecretAccessKey:", 1)[1].split()[0]
        assert f"explorer: {url}/ui/" in started

        later = found[found.index(next(b for b in found if b[1] == setup)) + 1 :]
        outputs: list[tuple[str, str]] = []  # (the command run, what it printed)
        for index, (lang, body, runs) in enumerate(later):
            if not runs or lang not in ("sh", "python"):
                continue
            code = _fill(body, url, key_id, secret)
            if lang == "sh":
                command = ["bash", "-e", "-c", f". .venv/bin/activate\n{code}"]
            else:
                script = tmp_path / f"block{index}.py"
                script.write_text(code)
                command = [str(clone / ".venv" / "bin" / "python"), str(script)]
            outputs.append((body, _run(command, clone, env)))
            # An output block right after a command shows what it prints.
            following = later[index + 1] if index + 1 < len(later) else None
            if following is not None and following[0] == "" and lang == "sh":
                assert _without_ids(outputs[-1][1]) == _without_ids(following[1])

        ran = " ".join(body for body, _ in outputs)
        assert "stemma keys create" in ran and "--keep" in ran and "boto3.client" in ran
        # The kept example is there to be seen in the explorer.
        check = (
            "import boto3\n"
            f'sm = boto3.client("sagemaker", endpoint_url="{url}", region_name="us-east-1",'
            f' aws_access_key_id="{key_id}", aws_secret_access_key="{secret}")\n'
            'print(sm.describe_context(ContextName="churn-endpoint")["ContextName"])\n'
        )
        shown = _run([str(clone / ".venv" / "bin" / "python"), "-c", check], clone, env)
        assert shown.strip() == "churn-endpoint"
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl-C
        status = server.wait(30)
    log_text = log_path.read_text()
    assert status == 0 and "Traceback" not in log_text, log_text
