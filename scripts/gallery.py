"""Make the documentation's gallery from real renders: screenshots of reports.

1. ``ocdata report`` renders a country profile, a comparison and the overview (with the official workbook when
   one is given or downloaded, so the maps and rankings show the whole index; else the bundled documents), and
   ``ocdata report --all --no-workbook`` the tutorial and the lessons;
2. headless Chromium (playwright; ``--chromium``, default ``$OCDATA_CHROMIUM`` or ``chromium`` on PATH) opens
   each page at 1280 px and saves the top of it as a PNG into ``docs/_static/gallery/``.

The PNGs are committed, so ``make docs`` stays offline and fast (the tutorial page is executed by the docs build
itself); run this script again after a change to the reports' look:

    python scripts/gallery.py [--workbook PATH] [--chromium PATH]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
GALLERY = HERE / "docs" / "_static" / "gallery"
WIDTH, HEIGHT = 1280, 900

SHOTS = {
    # PNG name: (report file, what the caption of the gallery says it is)
    "profile.png": "KGZ_2025.html",
    "compare.png": "compare_2023_KAZ-KGZ-TJK-TKM-UZB.html",
    "overview.png": "overview_2023.html",
    "lesson.png": "lesson_02_ranks_and_scopes.html",
    "index.png": "index.html",
}


def ocdata(*args: str) -> None:
    """Run the ``ocdata`` command of this environment; stop on failure with its message."""
    command = [sys.executable, "-m", "ocdata", *args]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[2:])}: exit {done.returncode}\n{done.stderr.strip()}")


def render(workbook: Path | None, folder: Path) -> dict[str, Path]:
    """Render the pages to photograph; their paths by PNG name."""
    whole, bundled = folder / "whole", folder / "bundled"
    books = ["--workbook", str(workbook)] if workbook else ["--no-workbook"]
    codes = "KAZ,KGZ,TJK,TKM,UZB" if workbook else "KAZ,KGZ"
    ocdata("report", "KGZ", "--compare", codes, "--overview", "--edition", "2023", *books, "--out", str(whole))
    ocdata("report", "KGZ", "--edition", "2025", *books, "--out", str(whole))
    ocdata("report", "--all", "--no-workbook", "--out", str(bundled))
    pages = {}
    for png, name in SHOTS.items():
        if png == "compare.png" and not workbook:
            name = "compare_2023_KAZ-KGZ.html"
        source = bundled if png in ("lesson.png",) else whole
        pages[png] = source / name
        if not pages[png].is_file():
            sys.exit(f"{name} was not rendered (found: {', '.join(sorted(p.name for p in source.glob('*.html')))})")
    return pages


def screenshot(pages: dict[str, Path], chromium: str) -> None:
    """The top of each page at 1280 px, as PNG."""
    from playwright.sync_api import sync_playwright

    GALLERY.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        for png, path in pages.items():
            page.goto(path.as_uri(), wait_until="load")
            page.screenshot(path=str(GALLERY / png))
            print(f"{GALLERY.relative_to(HERE) / png}: {path.name}")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workbook", type=Path, default=os.environ.get("OCDATA_WORKBOOK") or None,
                        help="the official workbook (default: $OCDATA_WORKBOOK, else the bundled documents)")
    parser.add_argument("--chromium", default=os.environ.get("OCDATA_CHROMIUM") or shutil.which("chromium"),
                        help="the Chromium to take screenshots with (default: $OCDATA_CHROMIUM, else chromium)")
    args = parser.parse_args()
    if not args.chromium:
        sys.exit("no Chromium found: install it (apt-get install chromium) or pass --chromium PATH")
    if args.workbook and not Path(args.workbook).is_file():
        sys.exit(f"{args.workbook}: no such workbook")
    with tempfile.TemporaryDirectory(prefix="ocdata-gallery-") as folder:
        screenshot(render(args.workbook, Path(folder)), args.chromium)


if __name__ == "__main__":
    main()
