"""Write the teaching kit: for each lesson a student notebook, a teacher notebook and the teacher's HTML.

``write_kit(out_dir)`` writes ``out_dir/student/NN_name.ipynb`` (solutions and graded test cells taken out),
``out_dir/teacher/NN_name.ipynb`` (with them: nbgrader's source version, see :mod:`ocdata.teach.grading`) and
``out_dir/teacher/NN_name.html`` (the teacher lesson executed with papermill and exported with nbconvert, code and
answers shown, nothing loaded from outside the file). Every target and its folders are checked before anything is
written, holding the folder's lock: a file there that the kit did not write, or that was edited since (by the
folder's ``.ocdata-files.json``, the record of what ocdata wrote), is never replaced; a file where a folder must
go is refused by its name. Each file is written atomically; a write that fails removes the files and folders this
run created.
"""

from __future__ import annotations

import copy
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ocdata.errors import InputError, ParseError, ValidationError
from ocdata.outputs.atomic import remove_temporaries
from ocdata.outputs.ledger import Ledger
from ocdata.outputs.locks import folder_lock
from ocdata.outputs.write_plan import check_folders, write_files
from ocdata.paths import notebooks_dir
from ocdata.teach.grading import CHECK_CALL, mark_for_nbgrader
from ocdata.teach.solutions import has_solution, strip_solutions

LESSON_NAME = re.compile(r"^\d\d_[a-z0-9_]+$")
KIT_KEY = "ocdata_teach"
"""Notebook metadata key naming a kit notebook's lesson and version (what the kit may replace is decided by the
folder's record of what ocdata wrote, never by this key: an edited notebook keeps it)."""
GENERATOR = '<meta content="ocdata teach" name="generator"/>'
"""The tag that marks an HTML file written by the kit (as nbconvert serializes it)."""
KERNEL_NAME = "python3"
CELL_TIMEOUT = 300

# JupyterLab's look without any script: no require.js, MathJax, Mermaid or widget loader, and a
# Content-Security-Policy that allows no request at all.
_TEMPLATE = """\
{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}
""" + GENERATOR + """
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; \
font-src data:; base-uri 'none'; form-action 'none'">
{%- endblock html_head_js -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block extra_css %}
<style type="text/css">
main { max-width: 1100px; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
.jp-RenderedImage img { max-width: 100%; height: auto; }
</style>
{% endblock extra_css %}
{%- block data_javascript scoped -%}{%- endblock data_javascript -%}
{%- block data_widget_view scoped -%}{%- endblock data_widget_view -%}
{% block data_png scoped -%}
<div class="jp-RenderedImage jp-OutputArea-output {{ extra_class }}">
<img src="data:image/png;base64,{{ output.data['image/png'] | escape_html }}" \
alt="{{ output.data.get('text/plain', 'figure') | escape_html }}">
</div>
{%- endblock data_png %}
"""


@dataclass(frozen=True)
class Lesson:
    """A lesson notebook of ``notebooks/lessons``: its name (``NN_name``) and path."""

    name: str
    path: Path


def lessons_dir() -> Path:
    """The folder of lesson notebooks (``notebooks/lessons``)."""
    return notebooks_dir() / "lessons"


def find_lessons(folder: Path | None = None) -> list[Lesson]:
    """The lessons in ``folder`` (default :func:`lessons_dir`), in their numbered order."""
    folder = lessons_dir() if folder is None else Path(folder)
    lessons = [Lesson(p.stem, p) for p in sorted(folder.glob("*.ipynb")) if LESSON_NAME.fullmatch(p.stem)]
    if not lessons:
        raise InputError("expected lesson notebooks named NN_name.ipynb, found none", file=folder)
    return lessons


def read_lesson(lesson: Lesson) -> nbformat.NotebookNode:
    """A lesson as nbformat v4, outputs cleared and empty cells left out."""
    try:
        nb = nbformat.read(str(lesson.path), as_version=4)
    except (OSError, ValueError) as exc:
        raise InputError(f"expected a notebook, found {type(exc).__name__}: {exc}", file=lesson.path) from exc
    nb.cells = [cell for cell in nb.cells if cell.source.strip()]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def exercises_of(nb: nbformat.NotebookNode) -> list[str]:
    """The exercises (``"1.2"``) whose checks a lesson calls, in order."""
    found = [f"{m[1]}.{m[2]}" for cell in nb.cells if cell.cell_type == "code"
             for m in CHECK_CALL.finditer(cell.source)]
    return list(dict.fromkeys(found))


def _marked(nb: nbformat.NotebookNode, lesson: str, version: str) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    nb.metadata[KIT_KEY] = {"lesson": lesson, "version": version}
    nb.metadata.pop("jupytext", None)
    return nb


def _refuse_foreign(path: Path, text: str | None, ledger: Ledger) -> None:
    """Raise if ``path`` holds a file the kit may not replace: one it did not write, or one edited since (by the
    kit folder's record of what ocdata wrote; an identical file is fine)."""
    ledger.refuse_foreign([(path, None if text is None else text.encode("utf-8"))],
                          hint="move it away or choose another folder; nothing was written")


def _kernel_manager(folder: str) -> type:
    """A kernel manager class whose kernels keep their connection file (and IPC sockets, where the system has
    them; else TCP on 127.0.0.1) in ``folder``."""
    from jupyter_client.manager import AsyncKernelManager

    from ocdata.render.transport import kernel_arguments, manager_options

    class LessonKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: object) -> None:
            super().__init__(**manager_options(folder), **kwargs)

        async def start_kernel(self, **kw: object) -> None:
            # the kernel process's own stderr only says that it was interrupted at shutdown; cell
            # output (warnings included) reaches the notebook through the kernel's messages
            kw.setdefault("stderr", subprocess.DEVNULL)
            kw["extra_arguments"] = [*kw.get("extra_arguments", []), *kernel_arguments(self)]
            await super().start_kernel(**kw)

    return LessonKernelManager


def execute_lesson(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """Run a lesson top to bottom with papermill in a temporary folder; the executed notebook."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    # IPC socket paths must stay short (about 100 bytes on Linux)
    base = tempfile.gettempdir()
    with tempfile.TemporaryDirectory(prefix="ocdata-lesson-", dir=base if len(base) < 60 else "/tmp") as cwd:
        try:
            return papermill.execute_notebook(copy.deepcopy(nb), None, cwd=cwd, kernel_name=KERNEL_NAME,
                                              progress_bar=False, log_output=False,
                                              request_save_on_cell_execute=False, execution_timeout=CELL_TIMEOUT,
                                              kernel_manager_class=_kernel_manager(cwd))
        except PapermillExecutionError as exc:
            raise ValidationError(f"expected the lesson to run to the end, found {exc.ename}: {exc.evalue} "
                                  f"in cell {exc.exec_count}", file=f"{name}.ipynb") from exc


def check_outputs(nb: nbformat.NotebookNode) -> dict[str, list[str]]:
    """For each exercise checked in an executed lesson, the lines its check cell printed."""
    printed: dict[str, list[str]] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for match in CHECK_CALL.finditer(cell.source):
            lines = [line for out in cell.get("outputs", []) if out.get("output_type") == "stream"
                     and out.get("name") == "stdout" for line in out.get("text", "").splitlines()]
            printed[f"{match[1]}.{match[2]}"] = lines
    return printed


def export_html(nb: nbformat.NotebookNode, title: str) -> str:
    """An executed lesson as one offline HTML file, code and outputs shown."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(extra_loaders=[DictLoader({"ocdata_lesson.html.j2": _TEMPLATE})],
                            template_file="ocdata_lesson.html.j2", embed_images=True,
                            exclude_anchor_links=True)
    nb = copy.deepcopy(nb)
    nb.metadata["title"] = title
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.get("metadata", {}).pop("papermill", None)
        cell.get("metadata", {}).pop("execution", None)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return body


def _title(nb: nbformat.NotebookNode, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def write_kit(out_dir: Path | str, *, lessons_folder: Path | None = None, html: bool = True) -> list[Path]:
    """Write the student and teacher lessons (and, with ``html``, the teacher's HTML) into ``out_dir``.

    Raises :class:`~ocdata.errors.InputError` before writing anything if a target holds a file the kit did not
    write, and :class:`~ocdata.errors.ValidationError` if a teacher lesson fails to run or one of its exercises
    does not print ``Correct``. Returns the paths written.
    """
    out = Path(out_dir)
    plan: list[tuple[Path, str | None, Lesson, nbformat.NotebookNode | None]] = []
    for lesson in find_lessons(lessons_folder):
        nb = read_lesson(lesson)
        if not any(cell.cell_type == "code" and has_solution(cell.source) for cell in nb.cells):
            raise ParseError("expected at least one solution block, found none", file=lesson.path)
        student = _marked(strip_solutions(nb, lesson.path.name), lesson.name, "student")
        teacher = _marked(mark_for_nbgrader(nb, lesson.path.name), lesson.name, "teacher")
        plan.append((out / "student" / f"{lesson.name}.ipynb", nbformat.writes(student) + "\n", lesson, None))
        plan.append((out / "teacher" / f"{lesson.name}.ipynb", nbformat.writes(teacher) + "\n", lesson, None))
        if html:
            plan.append((out / "teacher" / f"{lesson.name}.html", None, lesson, teacher))
    with folder_lock(out, "the teaching kit folder"):
        check_folders(out, [path for path, _, _, _ in plan])
        ledger = Ledger.read(out) if out.is_dir() else Ledger(out)
        for folder in {path.parent for path, _, _, _ in plan}:
            remove_temporaries(folder)  # what a kit killed mid-write left
        for path, text, _, _ in plan:
            _refuse_foreign(path, text, ledger)
        rendered: dict[Path, str] = {}
        for path, _, lesson, teacher in plan:
            if teacher is not None:
                executed = execute_lesson(teacher, lesson.name)
                wrong = {k: v for k, v in check_outputs(executed).items()
                         if not any(x.startswith("Correct") for x in v)}
                if wrong:
                    first = next(iter(wrong))
                    raise ValidationError(f"expected every exercise to print Correct, found exercise {first}: "
                                          f"{' '.join(wrong[first]) or 'nothing'}", file=f"{lesson.name}.ipynb")
                rendered[path] = export_html(executed, _title(teacher, lesson.name))
                _refuse_foreign(path, rendered[path], ledger)
        files = [(path, (rendered[path] if text is None else text).encode("utf-8")) for path, text, _, _ in plan]
        with ledger.writing(dict(files)):
            written = write_files(files)
    return written
