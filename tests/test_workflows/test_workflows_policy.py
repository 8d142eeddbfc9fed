"""What the workflows must do: run the README's test command, pin every action, select every
example test with some marker expression, give DevStack the services the examples use.

Each check also gets a broken workflow (or local.conf, README, marker set) to show it fails.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from tests.test_workflows import workflow_checks as wc

pytestmark = pytest.mark.workflows

README_TEXT = wc.README.read_text()
WORKFLOWS = wc.load_workflows()
COMMAND = wc.readme_test_command(README_TEXT)
BACKENDS = {"docker", "openstack", "kubernetes", "site"}


def expressions(workflows=WORKFLOWS) -> list[str | None]:
    return [inv.marker_expression for name, wf in workflows.items()
            for inv in wc.suite_invocations(name, wf, COMMAND)]


@pytest.fixture(scope="module")
def example_items():
    items, output = wc.collect_items([wc.EXAMPLE_TESTS])
    if wc.EXAMPLE_TESTS.exists() and any(wc.EXAMPLE_TESTS.rglob("test_*.py")):
        assert items, f"collecting tests/test_examples found nothing:\n{output[-3000:]}"
    return items


def minimal(run: str = 'make test PYTEST_ARGS="-m docker"', **job) -> dict:
    """A small valid workflow to break in the negative tests."""
    return {
        "name": "x", True: {"push": None}, "permissions": {"contents": "read"},
        "concurrency": {"group": "x", "cancel-in-progress": True},
        "jobs": {"test": {
            "runs-on": "ubuntu-24.04", "timeout-minutes": 10,
            "steps": [
                {"uses": "actions/checkout@" + "a" * 40},
                {"uses": "astral-sh/setup-uv@" + "b" * 40,
                 "with": {"enable-cache": True, "cache-dependency-glob": "uv.lock"}},
                {"run": run},
            ], **job}},
    }


# --- the README's test command -----------------------------------------------------------

def test_readme_names_make_test_as_the_ci_command():
    assert COMMAND == ["make", "test"]


def test_readme_without_the_command_is_an_error():
    with pytest.raises(ValueError):
        wc.readme_test_command("# Cloud Notes\n\n```bash\nmake serve  # the site\n```\n")
    drifted = README_TEXT.replace("make test    #", "make check   #")
    with pytest.raises(ValueError, match="does not list it"):
        wc.readme_test_command(drifted)


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_every_job_runs_the_readme_command_and_nothing_else(name):
    assert wc.command_problems(WORKFLOWS[name], COMMAND, README_TEXT) == []


@pytest.mark.parametrize("run", [
    "python -m pytest -m docker",
    ".venv/bin/pytest tests",
    "uv sync --frozen && make test",
    "pip install -r requirements.txt\nmake test",
    "make test\nmake outputs-everything",
])
def test_a_second_command_list_is_rejected(run):
    assert wc.command_problems(minimal(run), COMMAND, README_TEXT)


def test_a_job_without_the_command_is_rejected():
    problems = wc.command_problems(minimal("echo hello"), COMMAND, README_TEXT)
    assert any("never `make test`" in p for p in problems)


def test_make_variables_reach_the_marker_expression():
    wf = minimal("make test PREPARE=docker PYTEST_ARGS=\"-m 'docker and not openstack'\"")
    (inv,) = wc.suite_invocations("x", wf, COMMAND)
    assert inv.variables["PREPARE"] == "docker"
    assert inv.marker_expression == "docker and not openstack"
    wf = minimal("make test", env={"PYTEST_ARGS": "-m kubernetes"})
    (inv,) = wc.suite_invocations("x", wf, COMMAND)
    assert inv.marker_expression == "kubernetes"


# --- pinning, permissions, concurrency, timeouts, caching ------------------------------------

@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_every_action_is_pinned_by_a_full_sha(name):
    assert wc.unpinned_uses(WORKFLOWS[name]) == []


@pytest.mark.parametrize("path", sorted(wc.WORKFLOWS.glob("*.yml")), ids=lambda p: p.name)
def test_every_pin_says_which_release_it_is(path: Path):
    assert wc.pins_without_version_comment(path.read_text()) == []


@pytest.mark.parametrize("ref", ["actions/checkout@v7", "actions/checkout@main",
                                 "actions/checkout@3d3c42e", "helm/kind-action@v1.14.0",
                                 "actions/checkout@" + "A" * 40])
def test_tags_branches_and_short_shas_are_rejected(ref):
    wf = minimal()
    wf["jobs"]["test"]["steps"][0]["uses"] = ref
    assert wc.unpinned_uses(wf)


def test_local_actions_and_digests_are_allowed_and_comments_required():
    wf = minimal()
    wf["jobs"]["test"]["steps"] += [{"uses": "./.github/actions/x"},
                                    {"uses": "docker://busybox@sha256:" + "0" * 64}]
    assert wc.unpinned_uses(wf) == []
    text = f"    steps:\n      - uses: actions/checkout@{'a' * 40}\n"
    assert wc.pins_without_version_comment(text)
    assert wc.pins_without_version_comment(text.rstrip() + " # v7.0.1\n") == []


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_permissions_are_minimal(name):
    assert wc.permission_problems(name, WORKFLOWS[name]) == []


def test_write_permissions_outside_the_deploy_job_are_rejected():
    wf = minimal()
    wf["permissions"] = {"contents": "read", "pages": "write", "id-token": "write"}
    assert wc.permission_problems("x", wf)
    wf = minimal(permissions={"contents": "write"})
    assert wc.permission_problems("x", wf)


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_concurrency_and_timeouts(name):
    assert wc.hygiene_problems(name, WORKFLOWS[name]) == []


def test_missing_concurrency_or_timeout_is_rejected():
    wf = minimal()
    del wf["concurrency"]
    del wf["jobs"]["test"]["timeout-minutes"]
    assert len(wc.hygiene_problems("x", wf)) == 2
    wf = minimal()
    wf["concurrency"]["cancel-in-progress"] = False
    assert wc.hygiene_problems("x", wf)


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_uv_cache_is_keyed_on_the_lock_file(name):
    assert wc.cache_problems(name, WORKFLOWS[name], COMMAND) == []


def test_a_job_without_the_uv_cache_is_rejected():
    wf = minimal()
    wf["jobs"]["test"]["steps"][1]["with"] = {"enable-cache": True}
    assert wc.cache_problems("x", wf, COMMAND)


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_real_backends_skip_the_text_comparison_and_pull_real_images(name):
    assert wc.real_backend_problems(name, WORKFLOWS[name], COMMAND) == []


def test_real_images_without_a_pull_or_with_comparison_are_rejected():
    wf = copy.deepcopy(WORKFLOWS["examples-docker"])
    steps = wf["jobs"]["docker"]["steps"]
    steps[:] = [s for s in steps if "docker pull" not in str(s.get("run", ""))]
    assert any("docker pull" in p for p in wc.real_backend_problems("d", wf, COMMAND))
    wf = copy.deepcopy(WORKFLOWS["examples-docker"])
    del wf["jobs"]["docker"]["env"]["CLOUDNOTES_COMPARE_OUTPUTS"]
    assert wc.real_backend_problems("d", wf, COMMAND)


# --- the docs workflow ---------------------------------------------------------------------

def test_docs_builds_strictly_tests_the_site_and_deploys_main_to_pages():
    wf = WORKFLOWS["docs"]
    on = wc.triggers(wf)
    assert "push" in on and "pull_request" in on
    build, deploy = wf["jobs"]["build"], wf["jobs"]["deploy"]
    (inv,) = wc.suite_invocations("docs", wf, COMMAND)
    assert wc.selects(inv.marker_expression, {"site"})
    assert not wc.selects(inv.marker_expression, {"docker"})
    runs = [str(s.get("run", "")) for s in build["steps"]]
    assert any(line == "make build" for r in runs for line in wc.logical_lines(r))
    assert "--strict" in (wc.ROOT / "Makefile").read_text().split("build: setup", 1)[1]
    uses = [str(s.get("uses", "")).split("@")[0] for s in build["steps"] + deploy["steps"]]
    for action in ("actions/configure-pages", "actions/upload-pages-artifact",
                   "actions/deploy-pages"):
        assert action in uses
    assert deploy["needs"] == "build"
    assert "refs/heads/main" in deploy["if"]
    assert deploy["environment"]["name"] == "github-pages"


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_site_builds_read_the_whole_history(name):
    assert wc.history_problems(name, WORKFLOWS[name]) == []


def test_a_shallow_site_build_is_rejected():
    wf = minimal("make build")
    assert wc.history_problems("x", wf) == [
        "x/test: builds the site from a shallow checkout (set fetch-depth: 0, the translation "
        "banners read git history)"]
    wf["jobs"]["test"]["steps"][0]["with"] = {"fetch-depth": 0}
    assert wc.history_problems("x", wf) == []


# --- marker expressions select every example test ------------------------------------------

def test_each_backend_marker_is_selected_by_some_workflow():
    assert wc.unselected_markers(BACKENDS, expressions()) == []


def test_a_missing_backend_workflow_is_noticed():
    without_docker = {k: v for k, v in WORKFLOWS.items() if k != "examples-docker"}
    assert wc.unselected_markers(BACKENDS, expressions(without_docker)) == ["docker"]


def test_marker_expressions_are_evaluated_like_pytest():
    assert wc.selects("docker and not openstack", {"docker"})
    assert not wc.selects("docker and not openstack", {"docker", "openstack"})
    assert wc.selects("openstack", {"docker", "openstack"})
    assert wc.selects(None, set())
    with pytest.raises(Exception, match="expected"):
        wc.selects("docker and", {"docker"})


def test_every_example_test_runs_in_some_workflow(example_items):
    known = wc.registered_markers()
    assert wc.uncovered_items(example_items, expressions(), known) == []


def test_every_example_folder_is_exercised(example_items):
    known = wc.registered_markers()
    folders = wc.example_folders()
    assert wc.unexercised_folders(folders, example_items, expressions(), known) == []


def test_unselected_tests_and_folders_are_reported(tmp_path):
    examples, tests = tmp_path / "examples", tmp_path / "tests"
    for rel in ("docker/a.py", "openstack/nova/b.py", "kubernetes/c.py"):
        (examples / rel).parent.mkdir(parents=True, exist_ok=True)
        (examples / rel).write_text("")
    items = [wc.Item("a::t", str(tests / "docker/test_a.py"), frozenset({"docker"})),
             wc.Item("b::t", str(tests / "openstack/nova/test_b.py"),
                     frozenset({"openstack", "parametrize"})),
             wc.Item("c::t", str(tests / "kubernetes/test_c.py"), frozenset())]
    known = wc.registered_markers()
    exprs = ["docker and not openstack"]
    uncovered = wc.uncovered_items(items, exprs, known)
    assert [u.split(" ")[0] for u in uncovered] == ["b::t", "c::t"]
    folders = wc.example_folders(examples)
    problems = wc.unexercised_folders(folders, items, exprs, known, examples, tests)
    assert [p.split(":")[0] for p in problems] == ["examples/kubernetes", "examples/openstack/nova"]


# --- DevStack ------------------------------------------------------------------------------

def test_devstack_enables_the_services_the_examples_use():
    enabled = wc.devstack_enabled_services(wc.LOCAL_CONF.read_text())
    assert wc.missing_devstack_services(enabled, wc.needed_projects()) == []


def test_devstack_service_evaluation_follows_local_conf_order():
    conf = ("[[local|localrc]]\nenable_service key g-api s-proxy\n"
            "ENABLED_SERVICES+=,q-svc,-g-api\ndisable_service s-proxy\n"
            "[[post-config|$NOVA_CONF]]\nenable_service n-api\n")
    assert wc.devstack_enabled_services(conf) == {"key", "q-svc"}
    assert wc.devstack_enabled_services(conf + "[[local|localrc]]\ndisable_all_services\n") == set()


def test_a_local_conf_without_swift_or_cinder_is_rejected():
    conf = wc.LOCAL_CONF.read_text().replace("enable_service s-proxy", "# no swift proxy")
    conf += "\ndisable_service c-vol\n"
    problems = wc.missing_devstack_services(wc.devstack_enabled_services(conf),
                                            wc.needed_projects())
    assert [p.split(":")[0] for p in problems] == ["cinder", "swift"]
    assert wc.missing_devstack_services({"key"}, {"designate"})  # unknown project: flagged


def test_a_local_conf_without_the_dashboard_is_rejected():
    conf = wc.LOCAL_CONF.read_text() + "\n[[local|localrc]]\ndisable_service horizon\n"
    problems = wc.missing_devstack_services(wc.devstack_enabled_services(conf),
                                            wc.needed_projects())
    assert [p.split(":")[0] for p in problems] == ["horizon"]


def test_devstack_workflow_shape():
    assert wc.devstack_workflow_problems(WORKFLOWS["examples-devstack"], COMMAND) == []


def test_devstack_workflow_defects_are_reported():
    wf = copy.deepcopy(WORKFLOWS["examples-devstack"])
    on = wc.triggers(wf)
    del on["schedule"]
    on["pull_request"]["paths"].remove("examples/serverless/baas*")
    wf.pop(True, None)
    wf["on"] = on
    job = wf["jobs"]["devstack"]
    job["strategy"]["matrix"]["include"] = [{"branch": "master", "series": "master"}]
    job["steps"] = [s for s in job["steps"] if "upload-artifact" not in str(s.get("uses"))]
    job["env"]["CLOUDNOTES_LAB"] = "1"
    del job["env"]["HORIZON_URL"]
    problems = wc.devstack_workflow_problems(wf, COMMAND)
    for fragment in ("schedule", "baas", "stable/", "failure", "CLOUDNOTES_LAB", "HORIZON_URL",
                     "screenshots"):
        assert any(fragment in p for p in problems), (fragment, problems)

