"""Every page a reader opens, checked in a real browser (issue 18): headless Chromium (Debian's ``chromium``) driven
by Playwright opens ``index.html`` and every report of a small simulated study and of ``data/real_recordings``.

A page fails on any console error, failed request or request that leaves the machine (pages must be
self-contained), broken image, horizontal overflow, or "nan" / "None" text. Beyond the pages themselves: each
report's footer states the study hash the index lists, C8's "n needed" reads the same on the index and in report
05, and every not-testable claim on the index states its reason.

Full-page screenshots go to ``$ANKLELAB_SCREENSHOTS_DIR`` (default: a temporary folder, printed), with
``claims-summary.png`` and ``forest-plot.png`` for the README (copy them to ``docs/img/``; the committed ones come
from the demo study: ``ANKLELAB_BROWSER_REPORTS`` with ``small`` rendered from ``data/demo``). Reports are rendered
once per session; ``$ANKLELAB_BROWSER_REPORTS`` may name a folder with ``small/`` and ``real/`` already rendered
by ``anklelab reproduce`` to skip that step. Skipped, saying why, where Playwright or Chromium is missing
(``.ci/run`` installs Debian's chromium when it can).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from analysis import paths

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
#: Flags for a quiet, offline headless browser in a container (no sandbox: CI runs as root).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Schemes a self-contained page may load from.
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")
#: Words that mean a missing value leaked onto a page (a report writes "–" or says what is missing).
LEAKED_MISSING = re.compile(r"(?<![\w.-])(nan|NaN|None)(?![\w.-])")


def _chromium() -> str | None:
    for candidate in (os.environ.get("ANKLELAB_CHROMIUM"), *CHROMIUM_CANDIDATES, shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


playwright_sync = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
CHROMIUM = _chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason=f"no Chromium found (looked for {', '.join(CHROMIUM_CANDIDATES)}; apt-get install chromium)",
)


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> dict[str, Path]:
    """Report folders of a small simulated study and of the real recordings, rendered once per session."""
    given = os.environ.get("ANKLELAB_BROWSER_REPORTS")
    if given:
        return {name: Path(given) / name for name in ("small", "real")}
    from analysis.reports import reproduce
    from analysis.simulate import simulate_study

    root = tmp_path_factory.mktemp("browser")
    study = root / "small_study"
    simulate_study(study, size="small", seed=0, progress=False)
    params = {"compute_power": False}  # simulated n-needed searches take minutes and are not what is checked here
    reproduce(study, root / "small", parameters=params, progress=False)
    reproduce(paths.DATA_DIR / "real_recordings", root / "real", parameters=params, progress=False)
    return {"small": root / "small", "real": root / "real"}


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    folder = Path(os.environ.get("ANKLELAB_SCREENSHOTS_DIR") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {folder}")
    return folder


@pytest.fixture(scope="session")
def browser():
    with playwright_sync.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _pages(folder: Path) -> list[Path]:
    return [folder / "index.html", *sorted(p for p in folder.glob("[0-9][0-9]_*.html"))]


def check_page(browser, page_file: Path, shot: Path) -> tuple[list[str], str]:
    """Open one page; return what is wrong with it and its visible text."""
    problems: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url} ({r.failure})"))
    page.on("request", lambda r: None if r.url.startswith(LOCAL_SCHEMES) else problems.append(f"external: {r.url}"))
    page.goto(page_file.resolve().as_uri(), wait_until="load")
    broken = page.evaluate(
        "Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.alt || i.src.slice(0, 60))"
    )
    problems += [f"broken image: {b}" for b in broken]
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 1:
        problems.append(f"horizontal overflow: {overflow} px wider than the window")
    text = page.inner_text("body")
    for match in list(LEAKED_MISSING.finditer(text))[:5]:
        problems.append(f"missing value shown as text: …{text[max(0, match.start() - 60) : match.end() + 20]!r}…")
    page.screenshot(path=str(shot), full_page=True, type="png")
    context.close()
    return problems, text


@pytest.mark.parametrize("which", ["small", "real"])
def test_every_page_opens_cleanly(browser, rendered, screenshots, which):
    folder = rendered[which]
    pages = _pages(folder)
    assert len(pages) >= 8, f"{folder}: expected index.html and 7 reports, found {[p.name for p in pages]}"
    failures = {}
    for page_file in pages:
        problems, _ = check_page(browser, page_file, screenshots / f"{which}-{page_file.stem}.png")
        if problems:
            failures[page_file.name] = problems
    assert not failures, json.dumps(failures, indent=1)


@pytest.mark.parametrize("which", ["small", "real"])
def test_index_agrees_with_its_reports(rendered, which):
    """Each report's footer states the study hash the index lists for it; the index flags none as foreign."""
    folder = rendered[which]
    record = json.loads((folder / "run.json").read_text())
    index = (folder / "index.html").read_text()
    for entry in record["runs"]:
        page = (folder / f"{entry['name']}.html").read_text()
        assert entry["study_sha256"] and entry["study_sha256"] in page, entry["name"]
        assert entry["study_sha256"][:12] in index
    assert "made from a different study" not in index
    for link in ("claims.csv", "claims.json", "run.json", *(f"{e['name']}.ipynb" for e in record["runs"])):
        assert f'href="{link}"' in index, link


def _index_rows(browser, folder: Path) -> list[dict[str, str]]:
    page = browser.new_page()
    page.goto((folder / "index.html").resolve().as_uri())
    rows = page.evaluate(
        """() => { const t = document.querySelector('table'); const head = [...t.querySelectorAll('th')].map(h => h.innerText);
        return [...t.querySelectorAll('tbody tr')].map(r => Object.fromEntries([...r.cells].map((c, i) => [head[i], c.innerText]))); }"""
    )
    page.close()
    return rows


def test_not_testable_rows_state_their_reason(browser, rendered):
    rows = _index_rows(browser, rendered["real"])
    untested = [r for r in rows if r["verdict"] == "not testable"]
    assert untested, "the real recordings test no claim: every row should be not testable"
    assert all(len(r["why undecided"].strip()) > 20 for r in untested), untested
    assert any("every load is 0" in r["why undecided"] for r in untested)


def test_c8_n_needed_reads_the_same_on_the_index_and_in_report_05(browser, rendered):
    for folder in rendered.values():
        c8 = next(r for r in _index_rows(browser, folder) if r["claim"] == "C8")
        needed = c8.get("n needed", "")  # only inconclusive claims have one (the column is absent when none has)
        if needed and needed != "not computed":
            assert needed.endswith("athletes per arm"), needed
            assert needed in (folder / "05_injury_rates.html").read_text(), needed


def test_readme_screenshots(browser, rendered, screenshots):
    """The README's two images: the index's claims summary and report 00's forest plot (small study)."""
    folder = rendered["small"]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((folder / "index.html").resolve().as_uri())
    page.locator("table").first.screenshot(path=str(screenshots / "claims-summary.png"))
    page.goto((folder / "00_claims_overview.html").resolve().as_uri())
    forest = page.locator("img").nth(0)
    forest.screenshot(path=str(screenshots / "forest-plot.png"))
    page.close()
    from PIL import Image  # matplotlib's dependency: 64 colours keep the committed PNGs small (~60 kB)

    for name in ("claims-summary.png", "forest-plot.png"):
        image = Image.open(screenshots / name).convert("RGB")
        image.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(screenshots / name, optimize=True)
    assert (screenshots / "claims-summary.png").stat().st_size > 10_000
