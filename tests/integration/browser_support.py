"""A real headless Chromium for the browser-mode tests: Debian's `chromium`
driven through its own `chromedriver` by Selenium (nothing is downloaded:
both binaries are named, and Selenium Manager is told to stay offline).

textual-serve draws the console with xterm.js on a canvas, so the screen is
no text in the page. xterm.js keeps one as text, its accessibility tree,
in screen reader mode; textual.js gives no handle on its terminal to ask for
it. The script below, run before any of the page's own, notes the options
object xterm.js defines its `screenReaderMode` accessor on, and `screen()`
switches the mode on through it: the page then holds the terminal's rows as
DOM text, as a screen reader reads them."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
#: Long enough for a console process to start on a busy 2-core machine.
WAIT_SECONDS = 45.0

NOTE_XTERM_OPTIONS = """
(() => {
  const define = Object.defineProperty;
  Object.defineProperty = function (target, key, descriptor) {
    if (key === "screenReaderMode" && descriptor && descriptor.set && !window.__xtermOptions) {
      window.__xtermOptions = target;
    }
    return define.call(this, target, key, descriptor);
  };
})();
"""
READ_SCREEN = """
const options = window.__xtermOptions;
if (!options) { return null; }
if (!options.screenReaderMode) { options.screenReaderMode = true; }
const tree = document.querySelector(".xterm-accessibility-tree");
return tree ? tree.innerText : null;
"""


def browser_binaries() -> None:
    """Skip (with the reason) where Debian's chromium is not installed; CI
    and scripts/test install it."""
    for binary in (CHROMIUM, CHROMEDRIVER):
        if shutil.which(binary) is None:
            pytest.skip(f"{binary} is missing: apt-get install chromium chromium-driver")


class Browser:
    """One headless Chromium window on a served console."""

    def __init__(self, profile: Path) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        os.environ.setdefault("SE_OFFLINE", "true")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in (
            "--headless=new",
            "--no-sandbox",  # root in a container
            "--disable-dev-shm-usage",
            "--window-size=1600,1000",
            f"--user-data-dir={profile}",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ):
            options.add_argument(argument)
        self.profile = profile
        self.driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
        self.driver.execute_cdp_cmd(
            "Page.addScriptToEvaluateOnNewDocument", {"source": NOTE_XTERM_OPTIONS}
        )

    def open(self, url: str) -> None:
        self.driver.get(url)

    @property
    def url(self) -> str:
        return str(self.driver.current_url)

    def screen(self) -> str:
        """The terminal's rows as text ("" before the terminal exists)."""
        return str(self.driver.execute_script(READ_SCREEN) or "")

    def wait_for(self, predicate: Callable[[str], bool], what: str) -> str:
        """The screen once `predicate` holds for it; fails with the last
        screen seen after WAIT_SECONDS."""
        deadline = time.monotonic() + WAIT_SECONDS
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if predicate(text):
                return text
            time.sleep(0.2)
        shot = self.profile.parent / "browser-failure.png"
        self.driver.save_screenshot(str(shot))
        raise AssertionError(
            f"the browser never showed {what} (screenshot: {shot}); its screen was:\n{text}"
        )

    def press(self, keys: str) -> None:
        """Type into the terminal, as a person at the keyboard."""
        from selenium.webdriver.common.by import By

        self.driver.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea").send_keys(keys)

    def quit(self) -> None:
        self.driver.quit()


@contextmanager
def browser(profile: Path) -> Iterator[Browser]:
    browser_binaries()
    window = Browser(profile)
    try:
        yield window
    finally:
        window.quit()
