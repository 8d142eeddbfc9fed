"""Kubernetes examples: offline schema validation everywhere, the cluster part where one exists.

No control plane can run on the offline test machine, so every object an example sends is
validated against the Kubernetes OpenAPI schema with kubernetes-validate (no cluster needed).
That report is the example's captured output, `docs/outputs/kubernetes/<example>.txt`, compared
(or with --update-outputs rewritten) like any other output: the saved Kubernetes outputs come
from runs without a cluster. The cluster part of each test runs only where a cluster is
configured and answers (kind in the examples-kubernetes workflow), asserts the behaviour on the
fresh output and never saves it; elsewhere it skips with a visible reason, also under CI=true.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable

import pytest
import yaml

from tests.support import load_example
from tools.outputs import compare_with_saved, run_example
from tools.stamps import kubernetes_validate_stamp

# Pinned on purpose: the newest schema kubernetes-validate 1.37 ships, matching the `kubernetes`
# client 37.x (Kubernetes 1.37). A newer package must not silently move the target; a package
# without this schema makes the tests fail loudly (VersionNotSupportedError).
K8S_SCHEMA_VERSION = "1.37.0"
SKIP_NO_CLUSTER = ("no Kubernetes cluster configured: cluster part runs in the "
                   "examples-kubernetes workflow")
# The kind workflow sets this: there, a cluster that does not answer is a failure, not a skip.
REQUIRE_CLUSTER = os.environ.get("CLOUDNOTES_REQUIRE_CLUSTER") == "1"


def validate_all(objects: list[dict]) -> list[tuple[dict, str]]:
    """Validate each object strictly (unknown fields are errors); return (object, verdict)."""
    import kubernetes_validate

    checked = []
    for obj in objects:
        try:
            version = kubernetes_validate.validate(obj, K8S_SCHEMA_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            name = obj.get("metadata", {}).get("name")
            pytest.fail(f"{obj.get('kind')} {name} is not a valid object for Kubernetes "
                        f"{K8S_SCHEMA_VERSION}: {exc.message}", pytrace=False)
        checked.append((obj, f"valid for Kubernetes {version} (strict schema)"))
    return checked


class _PlainDumper(yaml.SafeDumper):
    """YAML as a person writes it: a dict used twice is written twice, not as an &alias."""

    def ignore_aliases(self, data) -> bool:
        return True


def report(checked: list[tuple[dict, str]]) -> str:
    """The validated manifests as YAML, each with its verdict: what the page shows."""
    parts = [f"kubernetes-validate, schema {K8S_SCHEMA_VERSION}, strict: "
             f"{len(checked)} objects, all valid\n"]
    for obj, verdict in checked:
        parts.append(f"# {obj['kind']} {obj['metadata']['name']}: {verdict}\n---\n")
        parts.append(yaml.dump(obj, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True))
    return "".join(parts)


@pytest.fixture
def validator() -> Callable[[list[dict]], list[tuple[dict, str]]]:
    """The strict validation itself, for tests that feed it objects of their own."""
    return validate_all


@pytest.fixture
def check_validation(request: pytest.FixtureRequest, note_stamp) -> Callable[[str], list[dict]]:
    """Validate every object an example sends; compare (or save) the report in docs/outputs.

    The report is the example's saved output, `docs/outputs/kubernetes/<example>.txt`, stamped
    `kubernetes-validate` (offline validation, no cluster). Returns the objects so a test can
    assert on them.
    """
    update = request.config.getoption("--update-outputs")
    stamp = kubernetes_validate_stamp(K8S_SCHEMA_VERSION)

    def check(relpath: str) -> list[dict]:
        example = load_example(relpath)
        objects = example.objects_sent(f"cloudnotes-{secrets.token_hex(6)}")
        note_stamp(relpath, compare_with_saved(relpath, report(validate_all(objects)),
                                               stamp=stamp, update=update))
        return objects

    return check


@pytest.fixture(scope="session")
def cluster():
    """An API client for a configured, answering cluster; otherwise skip (even under CI)."""
    from kubernetes import client, config

    try:
        try:
            config.load_incluster_config()
        except config.ConfigException:
            config.load_kube_config()
        api = client.ApiClient()
        version = client.VersionApi(api).get_code(_request_timeout=10)
    except Exception as exc:
        if REQUIRE_CLUSTER:
            pytest.fail(f"CLOUDNOTES_REQUIRE_CLUSTER=1 but no cluster answers "
                        f"({exc.__class__.__name__}: {exc})", pytrace=False)
        pytest.skip(SKIP_NO_CLUSTER)
    return api, version


@pytest.fixture
def check_cluster_output(cluster) -> Callable[[str], str]:
    """Run an example against the cluster like a reader; return its output for the assertions.

    Not `check_output`: the saved file holds the offline validation report, which a cluster run
    must neither be compared with nor overwrite (`make outputs` on a machine with a cluster).
    """
    def check(relpath: str) -> str:
        result = run_example(relpath, timeout=600)
        assert result.returncode == 0, f"{relpath} exited {result.returncode}:\n{result.stderr}"
        return result.stdout

    return check


@pytest.fixture
def check_no_cluster(tmp_path) -> Callable[[str], None]:
    """Without a cluster, or with an unreachable one, an example prints one error line, exit 1."""
    dead = tmp_path / "dead-kubeconfig.yaml"
    dead.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "dead",
        "clusters": [{"name": "dead", "cluster": {"server": "https://127.0.0.1:1"}}],
        "contexts": [{"name": "dead", "context": {"cluster": "dead", "user": "u"}}],
        "users": [{"name": "u", "user": {"token": "not-a-token"}}],
    }))
    bare = {k: v for k, v in os.environ.items() if not k.startswith("KUBERNETES_SERVICE")}

    def check(relpath: str) -> None:
        cases = {
            "no kubeconfig": ({"KUBECONFIG": str(tmp_path / "none.yaml"), "HOME": str(tmp_path)},
                              "error: no Kubernetes cluster configured"),
            "unreachable": ({"KUBECONFIG": str(dead)},
                            "error: cannot reach the Kubernetes API server"),
        }
        for case, (env, expected) in cases.items():
            saved = os.environ.copy()
            os.environ.clear()
            os.environ.update(bare)
            try:
                result = run_example(relpath, env=env, timeout=60)
            finally:
                os.environ.clear()
                os.environ.update(saved)
            lines = result.stderr.splitlines()
            assert result.returncode == 1, f"{case}: exit {result.returncode}"
            assert len(lines) == 1 and lines[0].startswith(expected), f"{case}: {result.stderr}"
            assert result.stdout == "", f"{case}: printed {result.stdout!r}"

    return check


@pytest.fixture
def check_api_server_gone(capsys, monkeypatch) -> Callable[[str], str]:
    """An API server that stops answering (here: a closed port, so the example's first call
    and its cleanup are both refused for real): main() prints one line that says so and names
    the namespace it could not delete, exit 1, no traceback. Returns the line."""
    from kubernetes import client

    from tests.fault_injection import closed_port

    def check(relpath: str) -> str:
        ex = load_example(relpath)
        configuration = client.Configuration()
        configuration.host = f"http://127.0.0.1:{closed_port()}"
        configuration.retries = 0
        monkeypatch.setattr(ex, "connect", lambda: client.ApiClient(configuration))
        capsys.readouterr()
        assert ex.main() == 1
        lines = capsys.readouterr().err.splitlines()
        assert len(lines) == 1, lines
        assert lines[0].startswith("error: cannot reach the Kubernetes API server: "), lines[0]
        assert "; left over: namespace cloudnotes-" in lines[0], lines[0]
        assert lines[0].endswith("(cannot reach the Kubernetes API server either)"), lines[0]
        return lines[0]

    return check
