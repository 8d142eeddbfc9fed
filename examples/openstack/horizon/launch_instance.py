"""Launch an instance through Horizon's "Launch Instance" wizard in a real browser, then delete it.

The other example in this folder makes the API calls the dashboard makes; this one clicks
through the dashboard itself, as a person would: it logs in, opens Project > Compute >
Instances, fills in the wizard (name, image, flavor, network), waits until the new row says
Active, reads the instance's Console Log tab, and deletes the instance, waiting until its row is
gone. Whatever happens, the instance it created is deleted at the end (through the dashboard).

It needs Playwright (`pip install playwright`) and a Chromium: Playwright's own (`playwright
install chromium`) or any other, named with --browser (e.g. /usr/bin/chromium). Every element
is found by attributes Horizon sets (ids, names, CSS classes, data-* attributes), not by the
visible text, so the script works whatever the browser's language (--locale ko-KR, en-US...).

    HORIZON_URL=http://controller/dashboard/ OS_USERNAME=demo OS_PASSWORD=secret \\
        python launch_instance.py --locale ko-KR --screenshots shots/

HORIZON_URL is the dashboard's address (DevStack: http://<host>/dashboard/); OS_USERNAME and
OS_PASSWORD are what you type on its login page (the variables of an openrc file). With
--screenshots DIR it saves the login page, the instance list with the new instance, and the
project overview there as PNG files.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import sys
import time
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

TIMEOUT_MS = 60_000  # any single page or element (a busy cloud answers slowly)
VIEWPORT = {"width": 1280, "height": 800}
ACTIVE_WITHIN_S = 300  # the instance reaching Active (a real VM may take minutes)
GONE_WITHIN_S = 120  # its row disappearing after the delete
BOOTED_WITHIN_S = 300  # the guest printing what --wait-for-console names


class Failure(Exception):
    """Something went wrong that a reader can act on; the message is one line."""


def options(argv: list[str]) -> argparse.Namespace:
    """Read the command line (the dashboard's URL and the login also come from the environment).

    Args:
        argv: The arguments after the script's name.

    Returns:
        The parsed options.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("HORIZON_URL"),
                        help="the dashboard's address (default: $HORIZON_URL)")
    parser.add_argument("--username", default=os.environ.get("OS_USERNAME"))
    parser.add_argument("--password", default=os.environ.get("OS_PASSWORD"))
    parser.add_argument("--browser", default=os.environ.get("CHROMIUM_PATH"),
                        help="a Chromium executable (default: Playwright's own)")
    parser.add_argument("--locale", default="en-US", help="the browser's language")
    parser.add_argument("--image", default=os.environ.get("CLOUDNOTES_IMAGE",
                                                          "cirros-0.6.3-x86_64-disk"),
                        help="the image to boot (default: $CLOUDNOTES_IMAGE, else DevStack's "
                             "CirrOS)")
    parser.add_argument("--flavor", default="cirros256")  # DevStack creates it too
    parser.add_argument("--network", default="private")
    parser.add_argument("--screenshots", type=Path, help="save screenshots into this folder")
    parser.add_argument("--wait-for-console", metavar="TEXT",
                        help="wait until the console log shows TEXT (e.g. 'login:': booted)")
    args = parser.parse_args(argv)
    for name, where in (("url", "HORIZON_URL"), ("username", "OS_USERNAME"),
                        ("password", "OS_PASSWORD")):
        if not getattr(args, name):
            parser.exit(1, f"error: no {name}: set {where} or pass --{name}\n")
    args.url = args.url.rstrip("/") + "/"
    return args


class Dashboard:
    """One logged-in browser tab on Horizon, and the few things this example does there."""

    def __init__(self, page: Page, url: str, screenshots: Path | None) -> None:
        """Remember the tab and where the dashboard lives.

        Args:
            page: A Playwright page.
            url: The dashboard's address, ending with a slash.
            screenshots: A folder for screenshots, or None.
        """
        self.page = page
        self.url = url
        self.screenshots = screenshots
        self.launched_at: float | None = None  # when Launch was pressed (then: clean up)

    def open(self, path: str) -> None:
        """Go to a page of the dashboard and wait until it has loaded.

        Args:
            path: The page's path below the dashboard's address, e.g. ``project/instances/``.
        """
        try:
            self.page.goto(self.url + path, wait_until="load")
        except PlaywrightError as exc:
            reason = str(exc).splitlines()[0].removeprefix("Page.goto: ")
            raise Failure(f"cannot reach the dashboard at {self.url}: {reason}") from exc

    def language(self) -> str:
        """The language Horizon rendered the page in (it follows the browser's language)."""
        return self.page.evaluate("window.horizon && horizon.languageCode") or "?"

    def snapshot(self, name: str) -> None:
        """Save a screenshot of the page as NAME.png when --screenshots was given."""
        if self.screenshots:
            self.screenshots.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(self.screenshots / f"{name}.png"))
            print(f"screenshot {name}.png (page language {self.language()})")

    def log_in(self, username: str, password: str) -> None:
        """Fill in the login form; Horizon's own message when it refuses.

        Args:
            username: The user's name.
            password: The user's password.
        """
        self.open("auth/login/")
        if self.page.locator("#id_username").count() == 0:
            raise Failure(f"{self.page.url} shows no Horizon login form")
        self.snapshot("login")
        started = time.monotonic()
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("#loginBtn")
        self.page.wait_for_load_state("load")
        refused = self.page.locator("form .alert-danger")
        if self.page.locator("#id_username").count() and refused.count():
            message = " ".join(refused.first.inner_text().split())
            raise Failure(f"Horizon refused the login: {message}")
        print(f"logged in as {username} ({time.monotonic() - started:.1f}s)")

    def launch(self, name: str, image: str, flavor: str, network: str) -> None:
        """Fill in the Launch Instance wizard and press its Launch button.

        Args:
            name: The new instance's name.
            image: The boot image's name (Source step).
            flavor: The flavor's name (Flavor step).
            network: The network's name (Networks step).
        """
        self.open("project/instances/")
        started = time.monotonic()
        self.page.click("#instances__action_launch-ng")
        wizard = self.page.locator(".ng-wizard")
        wizard.locator("input#name").fill(name)
        for form, resource in (("launchInstanceSourceForm", image),
                               ("launchInstanceFlavorForm", flavor),
                               ("launchInstanceNetworkForm", network)):
            wizard.locator("button.next").click()
            step = wizard.locator(f'[ng-form="{form}"]')
            if form == "launchInstanceSourceForm":
                self.boot_from_the_image(step)
            self.allocate(step, resource)
        print(f"wizard filled in: image {image}, flavor {flavor}, network {network} "
              f"({time.monotonic() - started:.1f}s)")
        self.launched_at = time.monotonic()
        wizard.locator("button.finish").click()
        wizard.wait_for(state="detached")

    def boot_from_the_image(self, step) -> None:
        """Answer No to "Create New Volume" (Horizon's default is Yes): boot from the image
        itself, so that deleting the instance leaves no volume behind.

        Args:
            step: The wizard's Source step.
        """
        toggle = step.locator('[ng-model="model.newInstanceSpec.vol_create"]')
        if toggle.count():  # its two buttons are Yes, then No
            toggle.nth(1).click()

    def allocate(self, step, resource: str) -> None:
        """Move a resource from the step's Available table to its Allocated one.

        Args:
            step: The wizard step's form.
            resource: The name in the row to allocate (an image, flavor or network).
        """
        exact = re.compile(rf"^\s*{re.escape(resource)}\s*$")
        allocated = step.locator(".transfer-allocated tr", has=self.page.locator(
            "td", has_text=exact))
        row = step.locator(".transfer-available tr", has=self.page.locator(
            "td", has_text=exact))
        try:  # the tables fill in once the wizard's API calls have answered
            allocated.or_(row).first.wait_for()
        except PlaywrightTimeout as exc:
            raise Failure(f"the wizard offers no {resource!r} in its "
                          f"{step.get_attribute('ng-form')} step") from exc
        if allocated.count():  # a step may allocate the only choice by itself
            return
        row.first.locator("button.fa-arrow-up").click()
        allocated.first.wait_for()

    def row(self, name: str):
        """The instance's row in the Instances table (Horizon puts its name in data-display)."""
        return self.page.locator(f'#instances tr[data-display="{name}"]')

    def wait_active(self, name: str) -> str:
        """Wait until the row's status is up (Active); Horizon refreshes such rows by itself.

        Args:
            name: The instance's name.

        Returns:
            The instance's id.
        """
        started = self.launched_at or time.monotonic()
        self.row(name).wait_for()
        while not self.row(name).and_(self.page.locator(".status_up")).count():
            if self.row(name).and_(self.page.locator(".status_down")).count():
                raise Failure(f"instance {name} went into an error state")
            if time.monotonic() - started > ACTIVE_WITHIN_S:
                raise Failure(f"instance {name} is not Active after {ACTIVE_WITHIN_S}s")
            self.page.wait_for_timeout(500)
        print(f"instance {name} is Active ({time.monotonic() - started:.1f}s after Launch)")
        return self.row(name).get_attribute("data-object-id")

    def console_log(self, instance_id: str, wait_for: str | None = None) -> list[str]:
        """Open the instance's Console Log tab and return the lines it shows.

        Args:
            instance_id: The instance's id.
            wait_for: Open the tab again until its text contains this.

        Returns:
            The console lines (what the guest printed on its serial console).
        """
        started = time.monotonic()
        while True:
            self.open(f"project/instances/{instance_id}/")
            self.page.click('a[data-target="#instance_details__log"]')
            log = self.page.locator("#instance_details__log pre.logs")
            log.wait_for()
            text = log.inner_text()
            if wait_for is None or wait_for in text:
                return text.splitlines()
            if time.monotonic() - started > BOOTED_WITHIN_S:
                raise Failure(f"the console log does not show {wait_for!r} after "
                              f"{BOOTED_WITHIN_S}s")
            self.page.wait_for_timeout(5000)

    def delete(self, name: str) -> None:
        """Select the instance's row, press Delete Instances, confirm, and wait for the row
        to go.

        Args:
            name: The instance's name.
        """
        self.open("project/instances/")
        row = self.row(name)
        if row.count() == 0:
            return
        started = time.monotonic()
        # the checkbox itself is hidden behind Horizon's styled label
        checkbox = row.locator("input.table-row-multi-select")
        row.locator(f'label[for="{checkbox.get_attribute("id")}"]').click()
        self.page.click("#instances__action_delete")
        with self.page.expect_navigation():  # the confirmation posts the table's form
            self.page.locator(".modal-footer .btn-danger").click()
        # Horizon would drop the row by itself, but polls it only every few seconds (longer
        # and longer): reloading the list once a second is quicker
        while row.count():
            if time.monotonic() - started > GONE_WITHIN_S:
                raise Failure(f"instance {name} is still listed {GONE_WITHIN_S}s after Delete")
            self.page.wait_for_timeout(1000)
            self.open("project/instances/")
        print(f"deleted instance {name} ({time.monotonic() - started:.1f}s)")

    def show_overview(self) -> None:
        """Open the project's overview, once its quota charts are drawn."""
        self.open("project/")
        self.page.locator(".pie-chart-usage svg").first.wait_for()
        self.page.wait_for_timeout(700)  # the charts fill in with a 500 ms animation

    def run(self, args: argparse.Namespace, name: str) -> None:
        """Log in, launch, wait for Active, read the console log, look at the overview.

        Args:
            args: The command line.
            name: The name for the new instance.
        """
        self.log_in(args.username, args.password)
        self.launch(name, args.image, args.flavor, args.network)
        instance_id = self.wait_active(name)
        self.snapshot("instances")
        lines = self.console_log(instance_id, args.wait_for_console)
        print(f"console log: {len(lines)} lines, the last {min(5, len(lines))}:")
        for line in lines[-5:]:
            print(f"  {line}")
        self.show_overview()
        self.snapshot("overview")


def one_line(exc: Exception) -> str:
    """The first line of an error message, with its whitespace squeezed (Playwright's
    messages go on with a call log)."""
    return " ".join(str(exc).strip().splitlines()[0].split()) if str(exc).strip() else repr(exc)


def tour(page: Page, args: argparse.Namespace, name: str) -> list[str]:
    """Run the tour in a browser tab and delete the instance whatever happened.

    Args:
        page: A fresh browser tab.
        args: The command line.
        name: The name for the new instance.

    Returns:
        What went wrong, one line each (nothing: success).
    """
    page.set_default_timeout(TIMEOUT_MS)
    dashboard = Dashboard(page, args.url, args.screenshots)
    problems = []
    try:
        dashboard.run(args, name)
    except (Failure, PlaywrightError) as exc:
        problems.append(one_line(exc))
    finally:
        if dashboard.launched_at is not None:
            try:
                dashboard.delete(name)
            except (Failure, PlaywrightError) as exc:
                problems.append(f"could not delete instance {name} through the dashboard "
                                f"({one_line(exc)}): delete it with `openstack server "
                                f"delete {name}`")
    return problems


def main(argv: list[str]) -> int:
    """Run the whole tour, deleting the instance in any case.

    Args:
        argv: The command line after the script's name.

    Returns:
        0 on success, 1 with one ``error:`` line on stderr otherwise.
    """
    args = options(argv)
    name = f"cloudnotes-horizon-{secrets.token_hex(6)}"
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=args.browser, headless=True)
        except PlaywrightError as exc:
            print(f"error: cannot start the browser: {str(exc).splitlines()[0]}",
                  file=sys.stderr)
            return 1
        page = browser.new_context(locale=args.locale, viewport=VIEWPORT).new_page()
        problems = tour(page, args, name)
        browser.close()
    if problems:
        print(f"error: {'; '.join(problems)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
