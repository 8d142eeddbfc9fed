"""A small dependency runner for `up`: steps run in threads as soon as what they need is done.

Also the lab's error type and its line printer, which every step uses.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

READY_TIMEOUT = 180.0  # seconds any one step may take before `up` gives up


class LabError(RuntimeError):
    """A step of `up` failed; `service` names it and `log` is where to look."""

    def __init__(self, service: str, message: str, log: Path | None = None):
        super().__init__(f"{service}: {message}")
        self.service = service
        self.log = log


_SAY = threading.Lock()


def say(message: str) -> None:
    """Print a whole line at once (the plan's threads report concurrently)."""
    with _SAY:
        sys.stdout.write(message + "\n")
        sys.stdout.flush()



@dataclass
class Step:
    name: str
    run: Callable[[], str | None]
    after: tuple[str, ...] = ()
    done: threading.Event = field(default_factory=threading.Event)


class Plan:
    """Run steps in threads as soon as the steps they depend on are done; stop at a failure."""

    def __init__(self, started: float):
        self.steps: dict[str, Step] = {}
        self.failed: LabError | None = None
        self.abort = threading.Event()
        self.started = started
        self.lock = threading.Lock()

    def add(self, name: str, run: Callable[[], str | None], after: tuple[str, ...] = ()) -> None:
        self.steps[name] = Step(name, run, after)

    def _run(self, step: Step) -> None:
        for dep in step.after:
            while not self.steps[dep].done.wait(0.1):
                if self.abort.is_set():
                    return
        if self.abort.is_set():
            return
        try:
            note = step.run()
        except LabError as exc:
            self._fail(exc)
            return
        except Exception as exc:  # a bug or an API error while seeding: name the step
            self._fail(LabError(step.name, f"{exc.__class__.__name__}: {exc}"))
            return
        if note:
            self.say_now(note)
        step.done.set()

    def _fail(self, exc: LabError) -> None:
        with self.lock:
            if self.failed is None:
                self.failed = exc
        self.abort.set()

    def run(self) -> None:
        with ThreadPoolExecutor(max_workers=len(self.steps)) as pool:
            for step in self.steps.values():
                pool.submit(self._run, step)
        if self.failed:
            raise self.failed

    def say_now(self, message: str) -> None:
        """A line between the steps' notes, stamped like them (seconds since `up` began)."""
        say(f"  {time.monotonic() - self.started:5.1f}s  {message}")

    def wait_for(self, what: str, probe: Callable[[], bool], log: Path | None = None,
                 timeout: float = READY_TIMEOUT, child: subprocess.Popen | None = None) -> None:
        deadline = time.monotonic() + timeout
        while not probe():
            if self.abort.is_set():
                raise LabError(what, "aborted because another step failed", log)
            if child is not None and child.poll() is not None:
                raise LabError(what, f"exited with code {child.returncode}", log)
            if time.monotonic() > deadline:
                raise LabError(what, f"not ready after {timeout:.0f}s", log)
            time.sleep(0.25)

