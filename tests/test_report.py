"""ocdata report: planning and validation, safe output paths, HTML export, the notebooks
themselves, and (slow) rendering end to end."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest
from report_fixtures import HOSTILE, REGION, bundled, rendered_reports, require_workbook, with_peers

from ocdata import render, report
from ocdata.errors import OcdataError, ParameterError
from ocdata.paths import PROJECT_DIR, notebooks_dir
from ocdata.report import command

NOTEBOOKS = notebooks_dir()
NAMES = tuple(kind.notebook for kind in report.report_kinds().values())
PARAMETERIZED = tuple(kind.notebook for kind in report.report_kinds().values() if not kind.student)
"""Lessons render as a student runs them: with no parameters cell."""


# --- output paths and writing ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["KGZ_2025", "compare_2023_KAZ-KGZ", "tutorial", "compare_2023_9-countries-0a1b"])
def test_output_path_inside_the_folder(tmp_path, name):
    assert render.output_path(tmp_path, name) == (tmp_path / f"{name}.html").resolve()


@pytest.mark.parametrize("name", ["../KGZ", "a/b", "/etc/passwd", "", ".hidden", "KGZ 2025", "KGZ\n", "..",
                                  "x" * 200, "KGZ.html", None])
def test_output_path_refuses_names_that_could_escape(tmp_path, name):
    with pytest.raises(ParameterError):
        render.output_path(tmp_path, name)


# --- planning -------------------------------------------------------------------------------------


def test_plan_names_come_from_codes_and_editions():
    plans = report.plan_reports(bundled(), countries=["KGZ", "KAZ"], compare="KAZ,KGZ")
    assert [p.job.name for p in plans] == ["KGZ_2025", "KAZ_2023", "compare_2023_KAZ-KGZ"]
    assert plans[0].job.parameters == {"country": "KGZ", "edition": 2025, "workbook": "", "tables": ""}
    assert plans[2].job.parameters["countries"] == ["KAZ", "KGZ"]
    assert not any(p.job.with_code for p in plans)
    assert plans[0].entry["scores"] == [{"country": "Kyrgyzstan", "criminality": 5.25, "resilience": 3.79}]


def test_plan_all_on_the_bundled_data():
    plans = report.plan_reports(bundled(), all_=True)
    code = {p.job.name: p.job.with_code for p in plans}
    assert [p.job.name for p in plans][:3] == ["KAZ_2023", "KGZ_2025", "compare_2023_KAZ-KGZ"]
    assert code["tutorial"] and not any(code[n] for n in ("KAZ_2023", "KGZ_2025", "compare_2023_KAZ-KGZ"))
    plans = report.plan_reports(bundled(), all_=True, edition=2021)
    assert [p.job.name for p in plans][:3] == ["KAZ_2021", "KGZ_2021", "compare_2021_KAZ-KGZ"]
    assert "tutorial" in [p.job.name for p in plans]


def test_plan_with_code_keeps_code_everywhere():
    assert all(p.job.with_code for p in report.plan_reports(bundled(), countries=["KGZ"], with_code=True))


def test_plan_a_region():
    plans = report.plan_reports(with_peers(), region=REGION, edition=2023)
    assert plans[0].job.name == "compare_2023_AAA-BBB-KAZ-KGZ"
    assert plans[0].entry["title"] == f"{REGION}: 4 countries"
    with pytest.raises(ParameterError, match="pass --workbook"):
        report.plan_reports(bundled(), region=REGION, edition=2025)
    with pytest.raises(ParameterError, match="not in the data"):
        report.plan_reports(bundled(), region="Atlantis")


def test_long_comparisons_are_named_by_a_digest():
    codes = [f"A{c}{c}" for c in "ABCDEFGHIJ"]
    name = report.compare_name(codes, 2023)
    assert re.fullmatch(r"compare_2023_10-countries-[0-9a-f]{10}", name)
    assert name == report.compare_name(list(reversed(codes)), 2023)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"countries": ['KGZ"; import os; "']}, "not a country of the data"),
        ({"countries": ["Kyrgystan"]}, "did you mean 'KGZ' \\(Kyrgyzstan\\)"),
        ({"countries": ["USA"]}, "not in the data"),
        ({"compare": "KGZ"}, "at least 2"),
        ({"compare": "KGZ,__import__('os')"}, "not a country of the data"),
        ({"countries": ["KAZ"], "edition": 2025}, "no 2025 edition"),
        ({"countries": ["KGZ"], "edition": 1999}, "not an edition"),
        ({}, "nothing to render"),
    ],
)
def test_plan_refuses_bad_parameters(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        report.plan_reports(bundled(), **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"countries": ["K'Z"]}, "ISO3"),
        ({"countries": ["USA"]}, "not in the data"),
        ({"compare": "KGZ,KAZ;"}, "ISO3"),
        ({"region": "Atlantis"}, "not in the data"),
        ({}, "nothing to render"),
        ({"countries": ["KGZ"], "jobs": 0}, "--jobs"),
        ({"countries": ["KGZ"], "workbook": Path("missing.xlsx")}, "not an existing file"),
        ({"countries": ["KGZ"], "workbook": PROJECT_DIR / "pyproject.toml"}, "pyproject.toml:1: expected an .xlsx"),
    ],
)
def test_run_reports_validates_before_any_notebook_runs(tmp_path, monkeypatch, kwargs, message):
    class NoNotebooks:
        """Stands in for the worker pool: kernels may start, no notebook may run."""

        def __init__(self, *_, **__):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *_):
            pass

        def shrink(self, *_):
            pass

        def start(self, *_):
            raise AssertionError("a kernel started before the parameters were checked")

        def run(self, *_, **__):
            raise AssertionError("a notebook ran before the parameters were checked")

    monkeypatch.setattr(command, "WorkerPool", NoNotebooks)
    with pytest.raises(OcdataError, match=message):
        report.run_reports(out=tmp_path / "out", progress=False, **kwargs)
    assert not (tmp_path / "out").exists()


def test_index_lists_existing_reports_and_escapes(tmp_path):
    (tmp_path / "KGZ_2025.html").write_text("x")
    entries = {
        "KGZ_2025": {"kind": "profile", "title": f"Kyrgyzstan {HOSTILE}", "edition": 2025, "region": "R",
                     "scores": [{"country": "Kyrgyzstan", "criminality": 5.25, "resilience": 3.79}],
                     "files": ["KGZ_2025.html"]},
        "KAZ_2023": {"kind": "profile", "title": "gone", "edition": 2023, "scores": [], "files": ["KAZ_2023.html"]},
    }
    report.write_index(tmp_path, entries)
    body = (tmp_path / "index.html").read_text()
    assert 'href="KGZ_2025.html"' in body and "KAZ_2023" not in body
    assert "<script" not in body and "&lt;script&gt;" in body and "5.25" in body
    assert "Partial batch" not in body
    index = report.read_index(tmp_path)
    assert set(index["reports"]) == {"KGZ_2025"} and index["partial"] is False
    assert index["reports"]["KGZ_2025"]["files"] == ["KGZ_2025.html"]


def test_index_of_a_partial_batch_says_so(tmp_path):
    (tmp_path / "KGZ_2025.html").write_text("x")
    report.write_index(tmp_path, {"KGZ_2025": {"kind": "profile", "title": "Kyrgyzstan", "edition": 2025,
                                               "scores": [], "files": ["KGZ_2025.html"]}}, partial=True)
    assert "Partial batch" in (tmp_path / "index.html").read_text()
    assert json.loads((tmp_path / "index.json").read_text())["partial"] is True


def test_index_and_reports_share_one_content_security_policy(tmp_path):
    from ocdata.templating import CSP

    report.write_index(tmp_path, {})
    assert f'content="{CSP}"' in (tmp_path / "index.html").read_text()
    assert f'content="{CSP}"' in render.HtmlWriter().export(executed_notebook())
    assert "font-src data:" in CSP and "default-src 'none'" in CSP


# --- export ---------------------------------------------------------------------------------------


def executed_notebook() -> nbformat.NotebookNode:
    """A notebook as papermill leaves it: a parameters cell, papermill's injected cell with its
    random id, a stderr warning, an HTML output, an SVG figure, and a markdown cell."""
    v4 = nbformat.v4
    nb = v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                                   "papermill": {"start_time": "2026-01-01T00:00:00"}})
    nb.cells = [
        v4.new_markdown_cell("# Title", id="cell-00"),
        v4.new_code_cell('country: str = "KGZ"', id="cell-01", metadata={"tags": ["parameters"]}),
        v4.new_code_cell('country = "KAZ"', id="f3c1a2b4-random", metadata={"tags": ["injected-parameters"]}),
        v4.new_code_cell("secret_code_marker()", id="cell-02", execution_count=3, outputs=[
            v4.new_output("stream", name="stderr", text="Pandas4Warning: something\n"),
            v4.new_output("display_data", data={"text/html": "<p class=\"oc-note\">shown</p>", "text/plain": "x"}),
            v4.new_output("display_data", data={"image/svg+xml": "<svg xmlns='http://www.w3.org/2000/svg'/>",
                                                "text/plain": "fig"}),
            v4.new_output("display_data", data={"application/javascript": "window.__pwned = 1",
                                                "text/plain": "js"}),
        ]),
    ]
    return nb


def test_export_is_offline_and_has_no_code_nor_warnings():
    body = render.HtmlWriter().export(executed_notebook(), title="Kyrgyzstan <b>")
    assert "<script" not in body.lower()
    assert "Content-Security-Policy" in body and "default-src 'none'" in body
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", body), "nothing may load from the network"
    assert "secret_code_marker" not in body and 'country = "KAZ"' not in body
    assert "Pandas4Warning" not in body and "shown" in body
    assert "data:image/svg+xml," in body
    assert "<title>Kyrgyzstan &lt;b&gt;</title>" in body
    assert "f3c1a2b4" not in body


def test_export_with_code_keeps_code_and_fixes_the_injected_cell_id():
    body = render.HtmlWriter().export(executed_notebook(), with_code=True)
    assert "secret_code_marker" in body and "cell-id=injected-parameters" in body
    assert "f3c1a2b4" not in body and "<script" not in body.lower()


def test_a_page_with_code_never_shows_the_paths_a_batch_passed():
    nb = executed_notebook()
    nb.cells[2].source = 'country = "KAZ"\nworkbook = "/home/someone/book.xlsx"\ntables = "/home/someone/.cache/x"\n'
    body = render.HtmlWriter().export(nb, with_code=True)
    assert "KAZ" in body and "/home/someone" not in body


def test_export_is_deterministic():
    writer = render.HtmlWriter()
    assert writer.export(executed_notebook()) == render.HtmlWriter().export(executed_notebook())


def test_normalize_notebook_drops_timings():
    nb = executed_notebook()
    nb.cells[3].metadata["papermill"] = {"duration": 1.2}
    nb.cells[3].metadata["execution"] = {"iopub.status.busy": "2026"}
    render.normalize_notebook(nb)
    assert "papermill" not in nb.metadata and "papermill" not in nb.cells[3].metadata
    assert "execution" not in nb.cells[3].metadata and nb.cells[2].id == "injected-parameters"


def test_render_batch_refuses_duplicate_or_unsafe_names(tmp_path):
    job = render.ReportJob("KGZ_2025", NOTEBOOKS / "country_profile.ipynb")
    with pytest.raises(ParameterError, match="same file"):
        render.render_batch([job, job], tmp_path, progress=False)
    with pytest.raises(ParameterError):
        render.render_batch([render.ReportJob("../x", job.notebook)], tmp_path, progress=False)


# --- the notebooks --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_paired_with_its_text_file(name):
    import jupytext

    text = jupytext.read(NOTEBOOKS / f"{name}.py")
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    assert [(c.cell_type, c.source) for c in nb.cells] == [(c.cell_type, c.source) for c in text.cells], (
        f"{name}.ipynb is out of date: run sync_notebooks() (see notebooks/README.md)")
    assert [c.id for c in nb.cells] == [f"cell-{i:02d}" for i in range(len(nb.cells))]
    assert not any(c.get("outputs") or c.get("execution_count") for c in nb.cells)
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", PARAMETERIZED)
def test_notebook_parameters_are_typed_and_commented(name):
    from papermill.inspection import _infer_parameters
    from papermill.iorw import load_notebook_node

    nb = load_notebook_node(str(NOTEBOOKS / f"{name}.ipynb"))
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for line in tagged[0].source.splitlines():
        assert re.fullmatch(r'\w+: [\w\[\]]+ = .+  # .+', line), line
    parameters = {p.name: p for p in _infer_parameters(nb)}
    assert "workbook" in parameters and all(p.help and p.inferred_type_name for p in parameters.values())
    [kind] = [k for k in report.report_kinds().values() if k.notebook == name]
    assert set(parameters) == set(kind.parameters)  # what the registry says the notebook takes


# --- rendering (slow) -----------------------------------------------------------------------------


SVG = '<svg class="oc-svg" role="img"'
"""How a figure starts in a page (our inline SVG)."""


def _html(folder: Path) -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.html"))}


@pytest.mark.slow
def test_render_all_bundled_reports():
    out = rendered_reports()["bundled"]
    pages = _html(out)
    assert {"KAZ_2023", "KGZ_2025", "compare_2023_KAZ-KGZ", "tutorial", "index"} <= set(pages)
    for name, body in pages.items():
        assert "<script" not in body.lower(), name
        main = body.split("<main>", 1)[-1]
        for marker in ("Traceback", "Warning", "Error", "application/vnd.jupyter.stderr"):
            assert marker not in main, f"{name}: {marker}"
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", body), name
    for name in ("KAZ_2023", "KGZ_2025", "compare_2023_KAZ-KGZ"):
        assert '<div class="oc-input">' not in pages[name], f"{name} shows code"
        assert SVG in pages[name]
    assert pages["KGZ_2025"].count(SVG) == 3  # pillars, indicators, composites
    assert pages["KAZ_2023"].count(SVG) == 4  # and the historical series
    assert '<div class="oc-input">' in pages["tutorial"]
    assert "Kyrgyzstan (KGZ)" in pages["KGZ_2025"] and "5.25" in pages["KGZ_2025"]
    assert "Rate above regional average" in pages["KAZ_2023"]  # the article's claims, checked
    index = pages["index"]
    for name in ("KAZ_2023", "KGZ_2025", "compare_2023_KAZ-KGZ", "tutorial"):
        assert f'href="{name}.html"' in index
    assert not list(out.glob(".*.tmp"))


@pytest.mark.slow
def test_rendering_twice_gives_identical_html(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        assert report.run_reports(countries=["KAZ"], compare="KAZ,KGZ", out=folder, progress=False) == 0
    assert _html(first) == _html(second)
    assert _html(first)["KAZ_2023"] == _html(rendered_reports()["bundled"])["KAZ_2023"]


@pytest.mark.slow
def test_a_kept_kernel_gives_what_plain_papermill_gives():
    import papermill

    notebook = NOTEBOOKS / "country_profile.ipynb"
    plain = papermill.execute_notebook(str(notebook), None, parameters={"country": "KAZ"}, progress_bar=False)
    with render.KernelSession() as session:
        session.execute(render.load_notebook(notebook), {"country": "KGZ", "edition": 2021})
        kept = session.execute(render.load_notebook(notebook), {"country": "KAZ"})

    def outputs(nb):
        render.normalize_notebook(nb)
        return [(c.id, c.get("execution_count"), c.get("outputs")) for c in nb.cells]

    assert outputs(kept) == outputs(plain)


@pytest.mark.slow
def test_a_failed_report_is_listed_and_keeps_the_good_html(tmp_path):
    broken = tmp_path / "broken.ipynb"
    nb = render.load_notebook(NOTEBOOKS / "country_profile.ipynb")
    nb.cells.insert(4, nbformat.v4.new_code_cell("raise RuntimeError('deliberately broken')", id="broken"))
    nbformat.write(nb, broken)
    out = tmp_path / "out"
    out.mkdir()
    (out / "KAZ_2023.html").write_text("the good one")
    killer = tmp_path / "killer.ipynb"
    nb.cells[4] = nbformat.v4.new_code_cell("import os\nos._exit(1)", id="killer")
    nbformat.write(nb, killer)
    jobs = [render.ReportJob("KAZ_2023", broken, {"country": "KAZ"}),
            render.ReportJob("KAZ_2021", killer, {"country": "KAZ", "edition": 2021}),
            render.ReportJob("KGZ_2025", NOTEBOOKS / "country_profile.ipynb", {"country": "KGZ"})]
    results = render.render_batch(jobs, out, n_jobs=1, progress=False)
    assert [r.ok for r in results] == [False, False, True]
    assert "RuntimeError: deliberately broken" in results[0].error
    assert "DeadKernelError" in results[1].error  # the next report gets a new kernel
    assert (out / "KAZ_2023.html").read_text() == "the good one"
    assert "Kyrgyzstan" in (out / "KGZ_2025.html").read_text()
    assert sorted(p.name for p in out.iterdir()) == ["KAZ_2023.html", "KGZ_2025.csv", "KGZ_2025.html"]


@pytest.mark.slow
def test_command_line_uses_ipc_kernels_and_reports_failures(tmp_path):
    import fcntl
    import pty
    import struct
    import termios

    private = Path(tempfile.mkdtemp(prefix="ock"))  # the run's own temporary folder (kernel sockets)
    env = {**os.environ, "TMPDIR": str(private)}
    master, terminal = pty.openpty()  # stderr on a terminal (120 columns): the progress bar shows
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    try:
        run = subprocess.Popen([sys.executable, "-m", "ocdata", "report", "KGZ", "--edition", "2023", "--out",
                                str(tmp_path), "--jobs", "2"], stdout=subprocess.PIPE, stderr=terminal, env=env)
        os.close(terminal)
        stderr = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the process closed the terminal
                break
            if not chunk:
                break
            stderr += chunk
        run.communicate(timeout=300)
        text = stderr.decode(errors="replace")
        assert run.returncode == 0, text
        assert "TCP" not in text and "Traceback" not in text
        assert "reports: 100%" in text  # one progress bar for the batch
        assert (tmp_path / "KGZ_2023.html").is_file() and (tmp_path / "index.html").is_file()
        assert not list(private.glob("ocdata-kernel-*")), "kernels left behind"
    finally:
        os.close(master)
        shutil.rmtree(private, ignore_errors=True)
    bad = subprocess.run([sys.executable, "-m", "ocdata", "report", "KGZ'", "--out", str(tmp_path / "bad")],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "ISO3" in bad.stderr and not (tmp_path / "bad").exists()
    assert len(bad.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_document_markup_is_shown_as_text():
    body = _html(rendered_reports()["hostile"])["KGZ_2025"]
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in body
    assert re.search(r"&lt;img src=x onerror=(&quot;|\")window.__pwned = 2(&quot;|\")&gt;", body)
    assert "&lt;img src=x onerror=alert(1)&gt;" in body  # a source's title
    assert "<script" not in body.lower() and "<img src=x" not in body


@pytest.mark.slow
def test_workbook_reports_show_the_country_among_all():
    require_workbook()
    pages = _html(rendered_reports()["workbook"])
    profile = pages["KGZ_2023"]
    assert profile.count(SVG) == 4  # pillars, indicators, composites, peers
    assert f"{REGION}: ranking among its countries" in profile
    assert "Region&#x27;s mean" in profile or "Region's mean" in profile
    [compare] = [name for name in pages if name.startswith("compare_2023_")]
    assert compare == "compare_2023_ARM-AZE-GEO-KAZ-KGZ-TJK-TKM-UZB"
    assert f"{REGION}: 8 countries compared" in pages[compare]


def test_an_injected_cell_left_with_comments_only_is_not_shown():
    nb = executed_notebook()
    nb.cells[2].source = '# Parameters\ntables = "/home/someone/.cache/x"\n'
    body = render.HtmlWriter().export(nb, with_code=True)
    assert "cell-id=injected-parameters" not in body and "/home/someone" not in body
