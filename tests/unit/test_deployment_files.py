"""Dockerfile and compose.yaml, checked without a Docker daemon (none runs on the project's machines): every command
they run exists in the oppbot CLI, every variable they set is a documented setting, and the production shape the
README describes is there (issue 20)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
import yaml

from oppbot import cli
from oppbot.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def oppbot_services() -> dict[str, dict]:
    return {name: s for name, s in compose()["services"].items() if s.get("image") == "oppbot"}


def documented_settings() -> set[str]:
    """The variables in README.md's Configuration table."""
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row)}


def assert_is_an_oppbot_command(argv: list[str]) -> None:
    assert argv[0] == "oppbot", argv
    try:
        args = cli.build_parser().parse_args(argv[1:])
    except SystemExit:
        pytest.fail(f"not an oppbot command: {' '.join(argv)}")
    assert getattr(args, "run", None) is not None, f"`{' '.join(argv)}` runs nothing"


def test_the_readme_documents_every_setting_there_is():
    aliases = {field.alias for field in Settings.model_fields.values()}
    assert documented_settings() == aliases


def test_dockerfile_slim_python_non_root_app_from_the_repository_serve_by_default():
    instructions = dockerfile()
    (base,) = [args for op, args in instructions if op == "FROM"]
    assert re.fullmatch(r"python:3\.1[1-9]-slim(-\w+)?", base), base
    users = [args for op, args in instructions if op == "USER"]
    assert users and users[-1] not in ("root", "0"), users
    copied = " ".join(args for op, args in instructions if op == "COPY")
    for part in ("pyproject.toml", "oppbot", "workers", "migrations", "manifest.yml"):
        assert part in copied, part
    assert any(op == "RUN" and re.search(r"pip install \.(\s|$)", args) for op, args in instructions)
    (cmd,) = [args for op, args in instructions if op == "CMD"]
    argv = json.loads(cmd)
    assert argv[:2] == ["oppbot", "serve"]
    assert_is_an_oppbot_command(argv)


def test_the_image_compiles_the_catalogs_where_the_package_is_installed():
    """Issue 14: the .mo files are not in the repository; the image builds them from the .po it copies."""
    instructions = dockerfile()
    runs = [args for op, args in instructions if op == "RUN"]
    (build,) = [args for args in runs if "pip install ." in args]
    assert build.index("pip install .") < build.index("pybabel compile")
    assert "-D oppbot" in build and "LOCALE_DIR" in build
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert not {"*.po", "oppbot/locale", "locale"} & set(ignored)


def test_dockerignore_keeps_secrets_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored and ".venv" in ignored


def test_compose_runs_the_production_shape():
    services = compose()["services"]
    assert {"web", "worker", "scheduler", "postgres", "redis", "migrate"} <= set(services)
    redis_volumes = [v.split(":")[0] for v in services["redis"]["volumes"]]
    assert redis_volumes and all(v in compose()["volumes"] for v in redis_volumes)  # named, not a bind mount
    assert all(services[name].get("healthcheck") for name in ("web", "worker", "scheduler", "postgres", "redis"))
    assert "/healthz" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["worker"]["healthcheck"]["test"][1:] == ["oppbot", "doctor"]
    assert services["scheduler"]["healthcheck"]["test"][1:] == ["oppbot", "doctor"]
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("name", sorted(oppbot_services()))
def test_every_compose_command_exists_in_the_cli(name):
    service = oppbot_services()[name]
    command = service["command"]
    assert_is_an_oppbot_command(command if isinstance(command, list) else shlex.split(command))
    test = service.get("healthcheck", {}).get("test", [])
    if test and test[0] == "CMD" and test[1] == "oppbot":
        assert_is_an_oppbot_command(test[1:])


@pytest.mark.parametrize("name", sorted(oppbot_services()))
def test_every_variable_compose_sets_is_a_documented_setting(name):
    environment = oppbot_services()[name].get("environment", {})
    names = set(environment) if isinstance(environment, dict) else {e.split("=", 1)[0] for e in environment}
    assert names, name
    assert names <= documented_settings(), names - documented_settings()


def test_compose_database_url_is_one_oppbot_accepts():
    """compose hands out `postgresql://` (no driver), as hosting providers do; oppbot reads it as psycopg 3."""
    url = oppbot_services()["web"]["environment"]["DATABASE_URL"].replace("${POSTGRES_PASSWORD:-oppbot}", "pw")
    assert Settings(DATABASE_URL=url).database_url.startswith("postgresql+psycopg://oppbot:pw@postgres:5432/")
