"""The deployment files an operator copies: Dockerfile, compose.yaml, .env.example, the Kubernetes manifests."""

from __future__ import annotations

import copy
import fnmatch
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
KUBERNETES = ROOT / "deploy" / "kubernetes"
VENV_BIN = Path(sys.executable).parent
# The oldest Kubernetes still common in managed clusters, and a recent one; both bundled by kubernetes-validate.
KUBERNETES_VERSIONS = ("1.29.0", "1.35.0")
# Every variable of the outside contract (CONTRACT.md's environment table), secrets included.
CONTRACT_VARIABLES = (
    "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL", "DATABASE_URL",
    "CHECKIN_HR_CHANNEL", "CHECKIN_KUDOS_CHANNEL", "CHECKIN_DEFAULT_TIMEZONE", "CHECKIN_DEFAULT_LOCALE",
    "CHECKIN_LOG_FORMAT", "CHECKIN_AI_BASE_URL", "CHECKIN_AI_MODEL", "CHECKIN_AI_API_KEY",
)
SECRETS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "DATABASE_URL", "TEAMS_CLIENT_SECRET",
           "CHECKIN_AI_API_KEY")
MANIFESTS = sorted(path.name for path in KUBERNETES.glob("*.yaml") if path.name != "kustomization.yaml")


def tool(name: str) -> str:
    """Return the path of a dev-extras command installed beside this Python."""
    path = VENV_BIN / name
    assert path.exists(), f"{name} is missing: pip install -e '.[dev]'"
    return str(path)


def manifest(name: str) -> dict:
    return yaml.safe_load((KUBERNETES / name).read_text())


def kustomization() -> dict:
    return yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def pod_spec(name: str) -> dict:
    return manifest(name)["spec"]["template"]["spec"]


# ---- Dockerfile --------------------------------------------------------------------------------------------


def test_the_dockerfile_passes_hadolint():
    result = subprocess.run([tool("hadolint"), "Dockerfile"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_serve_as_a_non_root_user_without_a_compiler():
    dockerfile = (ROOT / "Dockerfile").read_text()
    final_stage = dockerfile.split("\nFROM ")[-1]
    assert "ARG BASE=python:3.11-slim-bookworm" in dockerfile
    assert re.search(r"^USER 10001", final_stage, re.MULTILINE)
    assert "fonts-noto-cjk" in final_stage
    assert not re.search(r"\b(gcc|g\+\+|build-essential|python3-dev)\b", final_stage)
    assert 'ENTRYPOINT ["checkin-bot"]' in final_stage
    assert 'CMD ["serve", "--host", "0.0.0.0", "--port", "3000"]' in final_stage
    assert "EXPOSE 3000" in final_stage
    assert re.search(r"HEALTHCHECK .*\n?.*CMD \[\"python3\".*/healthz", final_stage)


def test_the_build_context_leaves_out_secrets_and_local_databases():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for pattern in (".env", "*.db", ".venv", ".git", "secrets", ".image-cache"):
        assert pattern in ignored


def test_the_wheel_in_the_image_holds_every_package_and_its_files():
    """The image installs a wheel, not the source tree: a package or template left out of it breaks only there."""
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    include = setuptools["packages"]["find"]["include"]
    packages = [path.parent.name for path in ROOT.glob("*/__init__.py")
                if path.parent.name not in ("tests", "benchmarks")]
    assert [name for name in packages if not any(fnmatch.fnmatch(name, pattern) for pattern in include)] == []

    package_data = {ROOT / owner.replace(".", "/"): globs
                    for owner, globs in setuptools.get("package-data", {}).items()}

    def packaged(path: Path) -> bool:
        return any(path.is_relative_to(folder) and fnmatch.fnmatch(path.relative_to(folder).as_posix(), glob)
                   for folder, globs in package_data.items() for glob in globs)

    data_files = [path for package in packages for path in (ROOT / package).rglob("*")
                  if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts]
    missing = [path.relative_to(ROOT).as_posix() for path in data_files if not packaged(path)]
    assert missing == [], "not in [tool.setuptools.package-data], so not in the image"


# ---- Compose -----------------------------------------------------------------------------------------------


def test_compose_yaml_is_valid_against_the_compose_specification():
    result = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "compose.yaml"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_migrates_after_postgres_is_healthy_and_starts_the_bot_after_the_migration():
    services = compose()["services"]
    assert set(services) == {"db", "migrate", "bot"}
    assert services["db"]["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in services["db"]["volumes"])
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert services["bot"]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    assert services["migrate"]["image"] == services["bot"]["image"]
    assert "/readyz" in " ".join(services["bot"]["healthcheck"]["test"])
    assert services["bot"]["restart"] == "unless-stopped"
    assert services["bot"]["ports"] == ["${CHECKIN_PORT:-3000}:3000"]
    assert services["bot"]["env_file"] == ".env"


def test_compose_hands_every_secret_over_as_a_file():
    document = compose()
    declared = document["secrets"]
    for name, service in document["services"].items():
        environment = service.get("environment", {})
        assert not set(environment) & set(SECRETS), f"{name} has a secret in its environment"
        mounted = set(service.get("secrets", []))
        assert mounted <= set(declared)
        for variable, value in environment.items():
            if variable.endswith("_FILE"):
                assert value.removeprefix("/run/secrets/") in mounted, f"{name}: {variable} names no secret it has"
    assert all(secret["file"].startswith("./secrets/") for secret in declared.values())
    assert "secrets/" in (ROOT / ".gitignore").read_text().split()


def test_env_example_explains_every_variable_of_the_contract_and_the_readme():
    text = (ROOT / ".env.example").read_text()
    lines = text.splitlines()
    readme = (ROOT / "README.md").read_text()
    configuration = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([A-Z_]+)`", configuration, re.MULTILINE))
    for variable in sorted(set(CONTRACT_VARIABLES) | documented):
        index = next((i for i, line in enumerate(lines) if re.match(rf"#? ?{variable}=", line)), None)
        assert index is not None, f"{variable} is not in .env.example"
        above = index - 1
        while re.match(r"#? ?[A-Z_]+=", lines[above]):  # a group of variables shares its explanation
            above -= 1
        assert lines[above].startswith("# ") and len(lines[above]) > 10, f"{variable} has no comment above it"


def test_env_example_sets_no_secret_so_compose_file_secrets_never_clash():
    assigned = re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE)
    assert not set(assigned) & set(SECRETS)


# ---- Kubernetes --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("name", MANIFESTS)
def test_each_kubernetes_manifest_is_valid_in_strict_mode(name, version):
    for document in yaml.safe_load_all((KUBERNETES / name).read_text()):
        kubernetes_validate.validate(document, version, strict=True)


def test_strict_validation_refuses_a_misspelt_field():
    deployment = manifest("deployment.yaml")
    broken = copy.deepcopy(deployment)
    broken["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"httpGet": {"path": "/readyz"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[0], strict=True)


def test_the_kustomization_lists_every_manifest_and_only_existing_ones():
    text = (KUBERNETES / "kustomization.yaml").read_text()
    resources = kustomization()["resources"]
    optional = re.findall(r"^\s*#\s*-\s*(\S+\.yaml)\s*$", text, re.MULTILINE)
    assert sorted(resources + optional) == MANIFESTS
    assert set(optional) == {"ingress.yaml", "secret.example.yaml"}  # optional, and the one never applied
    assert {image["name"] for image in kustomization()["images"]} == {"checkin-bot"}


def test_the_deployment_runs_two_locked_down_replicas_with_probes_and_a_grace_period():
    deployment = manifest("deployment.yaml")
    spec = pod_spec("deployment.yaml")
    container = spec["containers"][0]
    assert deployment["spec"]["replicas"] >= 2
    assert spec["terminationGracePeriodSeconds"] == 30
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
    assert "emptyDir" in next(volume for volume in spec["volumes"] if volume["name"] == "tmp")
    assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["startupProbe"]["httpGet"]["path"] == "/livez"
    assert set(container["resources"]) == {"requests", "limits"}
    assert container["args"][0] == "serve"
    assert container["envFrom"] == [{"configMapRef": {"name": "checkin-bot"}}]


@pytest.mark.parametrize("name", ["deployment.yaml", "migrate-job.yaml"])
def test_pods_read_secrets_as_files_from_the_secret_the_example_describes(name):
    spec = pod_spec(name)
    container = spec["containers"][0]
    secret_volume = next(volume for volume in spec["volumes"] if "secret" in volume)
    mount = next(mount for mount in container["volumeMounts"] if mount["name"] == secret_volume["name"])
    example = manifest("secret.example.yaml")
    assert secret_volume["secret"]["secretName"] == example["metadata"]["name"]
    files = {item["name"]: item["value"] for item in container["env"] if item["name"].endswith("_FILE")}
    assert "DATABASE_URL_FILE" in files
    for variable, path in files.items():
        key = variable.removesuffix("_FILE")
        assert key in SECRETS and path == f"{mount['mountPath']}/{key}" and key in example["stringData"]
    assert not set(manifest("configmap.yaml")["data"]) & set(SECRETS)


def test_the_migration_job_upgrades_the_database_once():
    job = manifest("migrate-job.yaml")
    assert job["spec"]["template"]["spec"]["containers"][0]["args"] == ["db", "upgrade"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_the_service_and_the_disruption_budget_select_the_deployments_pods():
    pod_labels = manifest("deployment.yaml")["spec"]["template"]["metadata"]["labels"]
    selector = manifest("deployment.yaml")["spec"]["selector"]["matchLabels"]
    budget = manifest("poddisruptionbudget.yaml")["spec"]
    assert selector.items() <= pod_labels.items()
    assert manifest("service.yaml")["spec"]["selector"] == selector
    assert budget == {"minAvailable": 1, "selector": {"matchLabels": selector}}


def test_the_ingress_exposes_only_the_webhooks():
    rules = manifest("ingress.yaml")["spec"]["rules"]
    paths = {path["path"] for rule in rules for path in rule["http"]["paths"]}
    assert paths == {"/slack/events", "/api/messages"}
