"""examples/openstack/horizon/launch_instance.py: the real dashboard, driven by a browser.

The dashboard is the lab's Horizon (`python -m lab up` serves it), or, with CLOUDNOTES_LAB=0,
the one HORIZON_URL names (DevStack's). The tour runs in this process on a browser context
that blocks every request leaving the dashboard's origin and records console errors and
HTTP errors; the failure cases run the script as a reader would. One wizard run per
language: the English run's output is what the page shows; both take the screenshots
(`--update-outputs` saves them where the pages show them; CLOUDNOTES_SCREENSHOTS_DIR collects
them for a CI artifact).
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.browser import Watch, allowed_origins, chromium_path, launched_chromium
from tests.openstack_cloud import USE_LAB, VOLATILE, Cloud
from tests.support import ROOT, load_example, unavailable
from tools import screenshots
from tools.outputs import compare_with_saved, run_example

pytestmark = pytest.mark.openstack
EXAMPLE = "openstack/horizon/launch_instance.py"
EXAMPLE_FILE = ROOT / "examples" / EXAMPLE
LOCALES = {"en": "en-US", "ko": "ko-KR"}
SHOTS = ("login", "instances", "overview")
# Both runs print the same lines but for the language they saw.
LANGUAGE = [(r"page language (ko|en)\b", "page language <lang>")]
# openstack_auth's message for a refused login, and its ko_KR translation
REFUSED = {"en": "Invalid credentials.", "ko": "올바르지 않은 자격증명."}
# The Project panels the lab's services back; the Horizon pages list them as working.
PROJECT_PANELS = [
    "project/api_access/", "project/", "project/instances/", "project/images/",
    "project/key_pairs/", "project/server_groups/", "project/volumes/", "project/snapshots/",
    "project/volume_groups/", "project/vg_snapshots/", "project/network_topology/",
    "project/networks/", "project/routers/", "project/security_groups/",
    "project/floating_ips/", "project/containers/",
]
# The FakeDriver's console (nova/virt/fake.py): what the Log tab shows when nothing boots.
FAKE_CONSOLE = ["FAKE CONSOLE OUTPUT", "ANOTHER", "LAST LINE"]
# What a booted guest prints on its serial console, by image name (prefix). A lab that boots
# real guests adds its image here.
GUEST_BANNERS = {"cirros": "login as 'cirros' user",
                 # the lab's guest (lab/guest_image.py): its getty's prompt follows its banner
                 "debian-busybox-guest": " login:"}


# What Horizon 27 itself logs in the browser's console on these pages, on DevStack as in the
# lab (each checked against Horizon's code): forgiven by name, nothing else is.
KNOWN_UPSTREAM = {
    # Launch Instance asks for Glance's metadata definitions of type OS::Cinder::Volumes,
    # which no definition Glance ships uses; Horizon's API then fails on the empty list
    # (futurist: "max_workers must be greater than zero", HTTP 500); the wizard carries on.
    "metadefs of OS::Cinder::Volumes":
        lambda t: "metadefs/namespaces" in t and "OS::Cinder::Volumes" in t,
    # The Images panel looks up each image's owner project; a member may not read another
    # project (Keystone's policy): 403 for the admin-owned public image, the id is shown.
    "owner of a public image": lambda t: "/api/keystone/projects/" in t and "403" in t
        and "/project/images" in t,
    # Admin > Hypervisors draws a pCPU chart with no number when no host has dedicated
    # CPUs (no PCPU inventory in Placement): d3 complains about NaN in the SVG path.
    "pCPU chart without PCPUs": lambda t: "<path> attribute d" in t and "NaN" in t
        and "/admin/hypervisors" in t,
    # How a table learns that a row's object is gone: its row update answers 404 (Horizon's
    # tables.js then drops the row); seen when that poll beats the example's reload.
    "row of a deleted instance": lambda t: "404" in t and "action=row_update" in t
        and "table=instances" in t,
}


def known_upstream_error(text: str) -> bool:
    text = unquote(text)
    return any(known(text) for known in KNOWN_UPSTREAM.values())


@dataclass
class Horizon:
    url: str
    version: str
    where: str
    user: tuple[str, str]  # (name, password) of the session's user (demo)
    admin: tuple[str, str]


def _password(cloud_name: str) -> tuple[str, str]:
    import openstack.config

    auth = openstack.config.OpenStackConfig().get_one(cloud=cloud_name).config["auth"]
    return auth["username"], auth["password"]


def _status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


@pytest.fixture(scope="module")
def horizon(cloud: Cloud) -> Horizon:
    if USE_LAB:
        from lab import horizon as lab_horizon

        url, version = lab_horizon.URL, lab_horizon.version()
        where = f"the local lab (Horizon {version} on uWSGI; Nova on libvirt and QEMU)"
    else:
        url = os.environ.get("HORIZON_URL", "")
        if not url:
            unavailable("CLOUDNOTES_LAB=0 but HORIZON_URL names no dashboard")
        url, version, where = url.rstrip("/") + "/", "external", f"the dashboard at {url}"
    status = _status(url + "auth/login/")
    if status != 200:
        unavailable(f"Horizon does not answer at {url} (login page: {status})")
    return Horizon(url, version, where, _password(cloud.user), _password(cloud.admin))


@pytest.fixture(scope="module")
def browser():
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def tab(browser, horizon: Horizon) -> Iterator:
    """A browser tab factory: a fresh context per language, watched."""
    opened = []

    def open_tab(lang: str = "en"):
        context = browser.new_context(locale=LOCALES[lang], viewport={"width": 1280,
                                                                       "height": 800})
        watch = Watch(allowed_origins([horizon.url]), ignore=known_upstream_error)
        watch.attach(context)
        opened.append(context)
        return context.new_page(), watch

    yield open_tab
    for context in opened:
        context.close()


def expected_console(admin_conn, image: str) -> list[str] | str:
    """What the instance's Console Log tab must show: the fake driver's fixed lines, or, when
    the cloud boots real guests (a hypervisor other than `fake`), its image's banner."""
    types = {h.hypervisor_type for h in admin_conn.compute.hypervisors(details=True)}
    if types <= {"fake"}:
        return FAKE_CONSOLE
    for prefix, banner in GUEST_BANNERS.items():
        if image.startswith(prefix):
            return banner
    pytest.fail(f"the cloud boots real guests ({types}), but no banner is known for image "
                f"{image!r}: add it to GUEST_BANNERS")


@pytest.fixture(scope="module")
def image_name(admin_conn) -> str:
    """The image the other examples boot: the reader's choice, else the smallest public image
    that boots on its own (CirrOS on DevStack, the lab's guest here)."""
    if os.environ.get("CLOUDNOTES_IMAGE"):
        return os.environ["CLOUDNOTES_IMAGE"]
    images = [i for i in admin_conn.image.images(visibility="public", status="active")
              if i.disk_format not in ("aki", "ari")]
    return min(images, key=lambda i: (i.size or 0, i.name)).name


def save_screenshots(folder: Path, lang: str, languages: dict[str, str], horizon: Horizon,
                     update: bool) -> None:
    """Into the pages' folder (--update-outputs, lab only) and the CI artifact folder."""
    ran = (f"examples/{EXAMPLE} --locale {LOCALES[lang]} --screenshots DIR, as demo, "
           f"against {horizon.where}")
    targets = []  # where NAME.webp goes, as a function of NAME
    if update and USE_LAB:  # the pages' files: x.webp (Korean), x.en.webp (English)
        pages = ROOT / screenshots.SCREENSHOTS / "horizon"
        targets.append(lambda n: screenshots.localized(pages / f"{n}.webp", lang))
    if os.environ.get("CLOUDNOTES_SCREENSHOTS_DIR"):  # a CI artifact: one folder per language
        artifacts = Path(os.environ["CLOUDNOTES_SCREENSHOTS_DIR"]) / lang
        targets.append(lambda n: artifacts / f"{n}.webp")
    for target in targets:
        for name in SHOTS:
            screenshots.save(folder / f"{name}.png", target(name),
                             lang=languages[name], ran=ran,
                             software={"horizon": horizon.version}, example=EXAMPLE_FILE)


@pytest.mark.parametrize("lang", ["en", "ko"])  # en first: with --update-outputs it writes
def test_launch_an_instance_through_the_wizard(lang, horizon, tab, tmp_path, capsys,
                                               request, user_conn, admin_conn, image_name):
    example = load_example(EXAMPLE)
    page, watch = tab(lang)
    name = f"cloudnotes-horizon-{secrets.token_hex(6)}"
    args = example.options(["--url", horizon.url, "--username", horizon.user[0],
                            "--password", horizon.user[1], "--locale", LOCALES[lang],
                            "--image", image_name, "--screenshots", str(tmp_path)])
    console = expected_console(admin_conn, image_name)
    if isinstance(console, str):  # a real guest: wait until it has printed its banner
        args.wait_for_console = console
    problems = example.tour(page, args, name)
    out = capsys.readouterr().out
    assert problems == [], out
    assert watch.problems() == [], "\n".join(watch.problems())

    languages = dict(re.findall(r"^screenshot (\w+)\.png \(page language (\w+)\)$", out, re.M))
    assert languages == dict.fromkeys(SHOTS, lang), out
    assert re.search(rf"^instance {name} is Active ", out, re.M), out
    assert re.search(rf"^deleted instance {name} ", out, re.M), out
    log = [line.strip() for line in out.split("console log", 1)[1].splitlines()[1:]]
    if isinstance(console, str):
        assert any(console in line for line in log), out
    else:
        assert log[:len(console)] == console, out
    assert user_conn.compute.find_server(name) is None

    update = request.config.getoption("--update-outputs")
    compare = os.environ.get("CLOUDNOTES_COMPARE_OUTPUTS", "1") != "0"
    if compare or update:
        note = request.getfixturevalue("note_stamp")
        note(EXAMPLE, compare_with_saved(EXAMPLE, out, extra=[*LANGUAGE, *VOLATILE],
                                         stamp=request.getfixturevalue("openstack_stamp"),
                                         update=update and lang == "en"))
    save_screenshots(tmp_path, lang, languages, horizon, update)


# Until neither Angular ($http) nor jQuery has a request on the way: the panels that load
# their rows after the page fetch them from Horizon's REST API (quicker than "networkidle",
# which always waits half a second more).
SETTLED = """() => {
    const ng = window.angular && angular.element(document.body).injector();
    const pending = ng ? ng.get("$http").pendingRequests.length : 0;
    return pending === 0 && (!window.jQuery || jQuery.active === 0);
}"""


PANEL_TABS = 4


def settle(page) -> None:
    page.wait_for_timeout(100)  # let the page's own start-up code send its first requests
    page.wait_for_function(SETTLED)


def test_every_project_panel_opens_without_an_error(horizon, tab):
    example = load_example(EXAMPLE)
    page, watch = tab("en")
    dashboard = example.Dashboard(page, horizon.url, None)
    dashboard.log_in(*horizon.user)
    links = page.eval_on_selector_all(
        "#sidebar-accordion a.openstack-panel", "links => links.map(a => a.getAttribute('href'))")
    webroot = "/" + horizon.url.split("/", 3)[3]
    offered = [href.removeprefix(webroot) for href in links
               if href.startswith(webroot + "project/")]
    missing = [panel for panel in PROJECT_PANELS if panel not in offered]
    assert not missing, f"the sidebar offers no {missing} (it offers {offered})"
    # Most of the time goes to the APIs behind each panel: open PANEL_TABS panels at once
    # (tabs of one browser context share the session).
    tabs = [page] + [page.context.new_page() for _ in range(PANEL_TABS - 1)]
    broken = {}
    for start in range(0, len(offered), PANEL_TABS):
        batch = list(zip(tabs, offered[start:start + PANEL_TABS], strict=False))
        watch.clear()
        for each, panel in batch:  # start every navigation, then wait for each
            each.evaluate("url => { window.location.href = url; }", horizon.url + panel)
        for each, panel in batch:  # (Angular panels drop the trailing slash)
            each.wait_for_url(re.compile(re.escape(horizon.url + panel.rstrip("/")) + "/?$"),
                              wait_until="load")
            settle(each)
            if each.locator(".alert-danger:visible, .toast-error:visible").count():
                broken[panel] = ["red message: " + " | ".join(
                    each.locator(".alert-danger:visible").all_inner_texts())]
        if watch.problems():
            broken[" + ".join(panel for _, panel in batch)] = watch.problems()
    assert not broken, "\n".join(f"{panel}: {found}" for panel, found in broken.items())


def test_admin_logs_in_and_sees_the_admin_dashboard(horizon, tab):
    example = load_example(EXAMPLE)
    page, watch = tab("ko")
    dashboard = example.Dashboard(page, horizon.url, None)
    dashboard.log_in(*horizon.admin)
    assert page.locator("#sidebar-accordion a[href$='/admin/hypervisors/']").count()
    for panel in ("admin/", "admin/hypervisors/", "admin/info/"):
        dashboard.open(panel)
        settle(page)
    assert dashboard.language() == "ko"
    assert watch.problems() == [], "\n".join(watch.problems())


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def one_error_line(result) -> str:
    lines = result.stderr.splitlines()
    assert result.returncode == 1, f"exit {result.returncode}\n{result.stderr}"
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_a_wrong_password_is_horizons_own_message_and_one_line(horizon, tab):
    result = run_example(EXAMPLE, env={"HORIZON_URL": horizon.url,
                                       "OS_USERNAME": horizon.user[0],
                                       "OS_PASSWORD": "not-the-password"},
                         args=["--browser", chromium_path()], timeout=120)
    line = one_error_line(result)
    assert line == f"error: Horizon refused the login: {REFUSED['en']}", line
    assert result.stdout == ""
    # in Korean, the same message in Horizon's translation (in this process: no second browser)
    example = load_example(EXAMPLE)
    page, _ = tab("ko")
    with pytest.raises(example.Failure, match=f"^Horizon refused the login: {REFUSED['ko']}$"):
        example.Dashboard(page, horizon.url, None).log_in(horizon.user[0], "not-the-password")


def test_an_unusable_dashboard_is_one_line(horizon):
    port = _closed_port()
    cases = {
        "closed port": ({"HORIZON_URL": f"http://127.0.0.1:{port}/dashboard/"},
                        "cannot reach the dashboard"),
        "no URL": ({"HORIZON_URL": ""}, "no url: set HORIZON_URL"),
        "no password": ({"OS_PASSWORD": ""}, "no password: set OS_PASSWORD"),
    }
    for case, (env, expected) in cases.items():
        base = {"HORIZON_URL": horizon.url, "OS_USERNAME": "demo", "OS_PASSWORD": "x"}
        result = run_example(EXAMPLE, env={**base, **env},
                             args=["--browser", chromium_path()], timeout=120)
        line = one_error_line(result)
        assert expected in line, f"{case}: {line}"


def test_the_browser_guard_reports_what_it_blocks(browser, horizon):
    """The tab's watch can fail: an outside request is blocked, a console error is kept, and
    only the named upstream error is forgiven."""
    context = browser.new_context()
    watch = Watch(allowed_origins([horizon.url]), ignore=known_upstream_error)
    watch.attach(context)
    page = context.new_page()
    page.goto(horizon.url + "auth/login/")
    page.evaluate("fetch('https://example.org/').catch(() => null)")
    page.evaluate("console.error('cloudnotes: logged on purpose')")
    page.evaluate("console.error('GET /dashboard/api/glance/metadefs/namespaces/"
                  "?resource_type=OS%3A%3ACinder%3A%3AVolumes 500')")
    page.evaluate("console.error('<path> attribute d: Expected number, NaN')")  # wrong page
    page.wait_for_timeout(300)
    context.close()
    assert watch.blocked == ["https://example.org/"]
    assert [e for e in watch.errors if "logged on purpose" in e]
    assert [e for e in watch.errors if "NaN" in e]  # forgiven on Admin > Hypervisors only
    assert not [e for e in watch.errors if "metadefs" in e]

