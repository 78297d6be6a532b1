"""Outputs never cost a user's file: the record of what ocdata wrote, and one command at a time per folder.

Each case is one a break test reproduced: an edited file that kept ocdata's marks, an index page of the user's,
a manifest written by hand, a document ``add`` never copied, and two commands at once on one folder. Concurrency
tests hold a folder's lock from a process of their own and wait for the other command to say it waits: they
wait for events, never for time to pass.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml
from corpus import as_country, unused_countries
from docs import RAW

from ocdata.errors import InputError
from ocdata.inputs.documents import HEADER, add_document, list_documents
from ocdata.outputs.ledger import LEDGER_NAME, Ledger
from ocdata.outputs.locks import lock_path
from ocdata.report.index import write_index
from ocdata.views.html import spreadsheet_safe

PATIENCE = 300
"""Seconds a subprocess may take before the test fails (generous, for a busy machine)."""
(NEW, NAME), (OTHER, OTHER_NAME) = unused_countries(2)
PDF_2021 = "kgz_2021_profile_pdf.txt"


def ocdata(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ocdata", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, cwd=cwd, timeout=PATIENCE)


def profile(folder: Path, country: str, name: str) -> Path:
    """A consistent 2021 PDF profile of ``country`` (Kyrgyzstan's numbers under the heading ``name``)."""
    path = folder / "incoming" / f"{name} 2021.txt"
    path.parent.mkdir(exist_ok=True)
    path.write_text(as_country(PDF_2021, "KYRGYZSTAN", name.upper()), encoding="utf-8")
    return path


@contextmanager
def holding(folder: Path) -> Iterator[None]:
    """Hold ``folder``'s lock from another process for the ``with`` block."""
    code = ("import sys\nfrom ocdata.outputs.locks import folder_lock\n"
            "with folder_lock(sys.argv[1], 'a folder'):\n    print('held', flush=True)\n    sys.stdin.read()\n")
    holder = subprocess.Popen([sys.executable, "-c", code, str(folder)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        yield
    finally:
        holder.stdin.close()
        holder.wait(timeout=PATIENCE)


def start(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ocdata", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})})


def wait_until_waiting(process: subprocess.Popen) -> str:
    """The line a command prints when it finds its folder locked (fails if it ends without waiting)."""
    line = process.stderr.readline()
    assert "waiting for another ocdata command" in line, (line, process.communicate(timeout=PATIENCE))
    return line


# --- the record ---------------------------------------------------------------------------------------


def test_a_write_cut_short_leaves_either_version_known_as_ocdatas(tmp_path: Path) -> None:
    target = tmp_path / "scores.csv"
    ledger = Ledger(tmp_path)
    ledger.begin({target: b"first\n"})
    target.write_bytes(b"first\n")
    ledger.commit()
    ledger = Ledger.read(tmp_path)
    ledger.begin({target: b"second\n"})  # then killed, before or after the file is replaced
    for bytes_left in (b"first\n", b"second\n"):
        target.write_bytes(bytes_left)
        assert Ledger.read(tmp_path).owns(target)
    target.write_bytes(b"edited by hand\n")
    assert not Ledger.read(tmp_path).owns(target)


@pytest.mark.parametrize("content", ["not json", '{"files": {}}', '{"writer": "someone", "files": {}}', "[]"])
def test_a_record_file_ocdata_did_not_write_is_refused(tmp_path: Path, content: str) -> None:
    (tmp_path / LEDGER_NAME).write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=rf"{LEDGER_NAME}: expected ocdata's record"):
        Ledger.read(tmp_path)


def test_a_record_never_names_a_file_outside_its_folder(tmp_path: Path) -> None:
    (tmp_path / LEDGER_NAME).write_text(json.dumps({"writer": "ocdata", "files": {
        "../outside.csv": "0" * 64, "/etc/passwd": "0" * 64, "ok.csv": "0" * 64, "bad.csv": "xyz"}}))
    assert Ledger.read(tmp_path).files == {"ok.csv": "0" * 64}


# --- teach ---------------------------------------------------------------------------------------------


def test_teach_again_keeps_a_student_notebook_the_user_edited(tmp_path: Path) -> None:
    kit = tmp_path / "kit"
    first = ocdata("teach", "--out", str(kit), "--no-html")
    assert first.returncode == 0, first.stderr
    student = sorted((kit / "student").glob("*.ipynb"))[0]
    nb = nbformat.read(student, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("My notes for Thursday."))
    nbformat.write(nb, student)  # the kit's metadata stays in the notebook
    edited = student.read_bytes()
    again = ocdata("teach", "--out", str(kit), "--no-html")
    assert again.returncode == 2
    assert again.stderr.startswith(f"ocdata: error: {student}: expected the file as ocdata wrote it")
    assert again.stderr.count("\n") == 1
    assert student.read_bytes() == edited


# --- report indexes --------------------------------------------------------------------------------------


def test_report_keeps_an_index_page_the_user_put_in_place(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    write_index(out, {})  # a folder of reports as ocdata leaves it
    assert set(Ledger.read(out).files) == {"index.html", "index.json"}
    (out / "index.html").write_text("<h1>My own start page</h1>\n", encoding="utf-8")
    done = ocdata("report", "KGZ", "--no-workbook", "--out", str(out))
    assert done.returncode == 2
    assert done.stderr.startswith(f"ocdata: error: {out / 'index.html'}: expected the file as ocdata wrote it")
    assert (out / "index.html").read_text(encoding="utf-8") == "<h1>My own start page</h1>\n"


def test_report_never_takes_a_folder_of_the_users_for_its_own(tmp_path: Path) -> None:
    out = tmp_path / "site"
    out.mkdir()
    index = {"generator": "ocdata report", "partial": False, "reports": {}}  # looks like ours
    (out / "index.json").write_text(json.dumps(index), encoding="utf-8")
    (out / "index.html").write_text("<h1>My site</h1>\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    done = ocdata("report", "KGZ", "--no-workbook", "--out", str(out))
    assert done.returncode == 2
    assert "index.html: expected the index page ocdata wrote" in done.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_report_csv_cells_never_run_as_spreadsheet_formulas() -> None:
    table = pd.DataFrame({"=name": ["=HYPERLINK(\"x\")", "+1+2", "-A1", "@SUM(A1)", "\tx", "Kazakhstan", None],
                          "text": ["-0.50", "+3", "1e5", "-", "plain", "", "=1"],
                          "score": [1.0, -2.5, 3.0, 4.0, 5.0, 6.0, 7.0]})
    safe = spreadsheet_safe(table)
    assert list(safe.columns) == ["'=name", "text", "score"]
    assert safe["'=name"].tolist()[:6] == ["'=HYPERLINK(\"x\")", "'+1+2", "'-A1", "'@SUM(A1)", "'\tx", "Kazakhstan"]
    assert safe["text"].tolist() == ["-0.50", "+3", "1e5", "'-", "plain", "", "'=1"]
    assert safe["score"].tolist() == table["score"].tolist()
    assert table.columns[0] == "=name"  # the caller's table is unchanged


# --- add and remove -------------------------------------------------------------------------------------------


def test_add_never_rewrites_a_hand_written_sources_yaml(tmp_path: Path) -> None:
    documents = tmp_path / "documents"
    documents.mkdir()
    data = profile(tmp_path, OTHER, OTHER_NAME).read_bytes()
    (documents / "mine.txt").write_bytes(data)
    hand = ("# my own documents, kept by hand\n"
            "documents:\n"
            "  - {id: mine, file: mine.txt, title: Mine, publisher: me, kind: pdf_profile, edition: 2021,\n"
            f"     countries: [{OTHER}], sha256: {hashlib.sha256(data).hexdigest()}}}   # aligned, as I like it\n")
    (documents / "sources.yaml").write_text(hand, encoding="utf-8")
    env = {"OCDATA_DOCUMENTS": str(documents)}
    done = ocdata("add", str(profile(tmp_path, NEW, NAME)), env=env)
    assert done.returncode == 0, done.stderr
    assert (documents / "sources.yaml").read_text(encoding="utf-8") == hand
    assert set(list_documents(documents)["id"]) == {"mine", f"{NAME.lower()}_2021"}
    own = yaml.safe_load((documents / "sources.ocdata.yaml").read_text(encoding="utf-8"))["documents"]
    assert [e["id"] for e in own] == [f"{NAME.lower()}_2021"]
    refused = ocdata("remove", "mine", env=env)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert "a manifest of yours that ocdata never changes" in refused.stderr
    assert (documents / "mine.txt").read_bytes() == data and (documents / "sources.yaml").read_text() == hand


def test_remove_never_deletes_a_document_add_did_not_copy(tmp_path: Path) -> None:
    copy = tmp_path / "raw"
    shutil.copytree(RAW, copy)
    before = {p.name: p.read_bytes() for p in copy.iterdir()}
    done = ocdata("remove", "kaz_article", env={"OCDATA_DOCUMENTS": str(copy)})
    assert done.returncode == 2
    assert "expected a document added with 'ocdata add'" in done.stderr
    assert {p.name: p.read_bytes() for p in copy.iterdir()} == before


def test_remove_keeps_a_document_changed_since_add_copied_it(tmp_path: Path, monkeypatch) -> None:
    documents = tmp_path / "documents"
    monkeypatch.setenv("OCDATA_DOCUMENTS", str(documents))
    entry = add_document(profile(tmp_path, NEW, NAME))
    copied = documents / entry["file"]
    copied.write_text(copied.read_text(encoding="utf-8") + "\nmy notes\n", encoding="utf-8")
    done = ocdata("remove", entry["id"])
    assert done.returncode == 0, done.stderr
    assert "its file is kept: it changed since ocdata add copied it" in done.stdout
    assert copied.read_text(encoding="utf-8").endswith("my notes\n")
    assert not (documents / "sources.ocdata.yaml").exists()


def test_an_edited_manifest_of_ocdatas_is_never_rewritten(tmp_path: Path, monkeypatch) -> None:
    documents = tmp_path / "documents"
    monkeypatch.setenv("OCDATA_DOCUMENTS", str(documents))
    entry = add_document(profile(tmp_path, NEW, NAME))
    manifest = documents / "sources.ocdata.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "# a note of mine\n", encoding="utf-8")
    edited = manifest.read_bytes()
    done = ocdata("remove", entry["id"])
    assert done.returncode == 2 and "found it edited since" in done.stderr
    assert manifest.read_bytes() == edited and (documents / entry["file"]).exists()


def test_a_manifest_an_earlier_ocdata_wrote_is_taken_over(tmp_path: Path, monkeypatch) -> None:
    documents = tmp_path / "documents"
    monkeypatch.setenv("OCDATA_DOCUMENTS", str(documents))
    entry = add_document(profile(tmp_path, NEW, NAME))
    (documents / "sources.ocdata.yaml").rename(documents / "sources.yaml")  # as ocdata 0.2 left it
    assert (documents / "sources.yaml").read_text(encoding="utf-8").startswith(HEADER)
    second = add_document(profile(tmp_path, OTHER, OTHER_NAME))
    assert not (documents / "sources.yaml").exists()
    own = yaml.safe_load((documents / "sources.ocdata.yaml").read_text(encoding="utf-8"))["documents"]
    assert [e["id"] for e in own] == [entry["id"], second["id"]]


# --- one command at a time per folder ----------------------------------------------------------------------


def test_two_adds_at_once_both_end_listed(tmp_path: Path) -> None:
    documents = tmp_path / "documents"
    env = {"OCDATA_DOCUMENTS": str(documents)}
    files = [profile(tmp_path, NEW, NAME), profile(tmp_path, OTHER, OTHER_NAME)]
    with holding(documents):
        adds = [start("add", str(f), env=env) for f in files]
        for add in adds:
            wait_until_waiting(add)
    for add in adds:
        out, err = add.communicate(timeout=PATIENCE)
        assert add.returncode == 0, err
        assert out.startswith("added ")
    assert set(list_documents(documents)["id"]) == {f"{NAME.lower()}_2021", f"{OTHER_NAME.lower()}_2021"}
    build = ocdata("build", "--no-workbook", "--out", str(tmp_path / "tables"), env=env)
    assert build.returncode == 0, build.stderr


def test_add_and_remove_at_once_leave_a_manifest_that_loads(tmp_path: Path, monkeypatch) -> None:
    documents = tmp_path / "documents"
    monkeypatch.setenv("OCDATA_DOCUMENTS", str(documents))
    first = add_document(profile(tmp_path, NEW, NAME))
    with holding(documents):
        add = start("add", str(profile(tmp_path, OTHER, OTHER_NAME)))
        remove = start("remove", first["id"])
        wait_until_waiting(add)
        wait_until_waiting(remove)
    assert add.wait(timeout=PATIENCE) == 0 and remove.wait(timeout=PATIENCE) == 0
    assert list(list_documents(documents)["id"]) == [f"{OTHER_NAME.lower()}_2021"]
    assert not (documents / first["file"]).exists()
    assert ocdata("export", "--no-workbook", "--out", str(tmp_path / "scores.csv")).returncode == 0


def test_two_notebook_copies_at_once_both_succeed_and_delete_nothing(tmp_path: Path) -> None:
    target = tmp_path / "notebooks"
    with holding(target):
        copies = [start("notebooks", str(target)) for _ in range(2)]
        for copy in copies:
            wait_until_waiting(copy)
    results = [copy.communicate(timeout=PATIENCE) for copy in copies]
    assert [copy.returncode for copy in copies] == [0, 0], results
    written = {line.removeprefix("wrote ") for out, _ in results for line in out.splitlines()
               if line.startswith("wrote ")}
    assert written and all(Path(p).is_file() for p in written)
    assert "already there, unchanged" in results[1][0] or "already there, unchanged" in results[0][0]


def test_a_locked_folder_with_no_wait_is_exit_2_at_once(tmp_path: Path) -> None:
    target = tmp_path / "notebooks"
    with holding(target):
        done = ocdata("notebooks", str(target), env={"OCDATA_LOCK_WAIT": "0"})
    assert done.returncode == 2
    assert done.stderr == (f"ocdata: error: {target}: expected the notebooks folder free, found another ocdata "
                           "command writing there (try again when it is done)\n")
    assert not target.exists()


def test_lock_files_stay_out_of_the_users_folders(tmp_path: Path) -> None:
    target = tmp_path / "notebooks"
    assert ocdata("notebooks", str(target)).returncode == 0
    assert lock_path(target).is_file() and tmp_path not in lock_path(target).parents
    assert [p.name for p in target.glob(".*")] == [LEDGER_NAME]


@pytest.mark.slow
def test_two_batches_into_one_folder_both_end_in_its_index(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    with holding(out):
        batches = [start("report", code, "--no-workbook", "--jobs", "1", "--out", str(out)) for code in ("KGZ", "KAZ")]
        for batch in batches:
            wait_until_waiting(batch)
    for batch in batches:
        _, err = batch.communicate(timeout=PATIENCE)
        assert batch.returncode == 0, err
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert sorted(index["reports"]) == ["KAZ_2023", "KGZ_2025"] and index["partial"] is False
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="KAZ_2023.html"' in page and 'href="KGZ_2025.html"' in page
    again = ocdata("report", "KGZ", "--no-workbook", "--jobs", "1", "--out", str(out))
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize("value", ["nan", "-1", "inf", "soon"])
def test_a_wait_that_is_not_a_number_of_seconds_is_refused(tmp_path: Path, value: str) -> None:
    target = tmp_path / "notebooks"
    with holding(target):
        done = ocdata("notebooks", str(target), env={"OCDATA_LOCK_WAIT": value})
    assert done.returncode == 2
    assert done.stderr == (f"ocdata: error: expected a number of seconds (0 or more) in $OCDATA_LOCK_WAIT, found "
                           f"{value!r}\n")


def test_a_relative_cache_locks_the_same_file_from_any_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OCDATA_CACHE", "cache")
    first = lock_path(tmp_path / "out")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    monkeypatch.setenv("OCDATA_CACHE", "../cache")
    assert lock_path(tmp_path / "out") == first and first.is_absolute()


def test_a_report_csv_has_one_header_per_column(monkeypatch) -> None:
    import IPython.display

    from ocdata.views.html import export_table

    published = []
    monkeypatch.setattr(IPython.display, "publish_display_data", lambda data, metadata: published.append(data))
    export_table(pd.DataFrame({"indicator": ["=x"], "label": ["Human trafficking"], "score": [6.5]}), edition=2023)
    header = published[0]["text/csv"].splitlines()[0].split(",")
    assert len(header) == len(set(header)) == 3
    assert pd.read_csv(io.StringIO(published[0]["text/csv"])).iloc[0, 0] == "'=x"


def test_what_a_killed_write_left_is_removed_and_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "notebooks"
    assert ocdata("notebooks", str(target)).returncode == 0
    left = target / ".README.md.ocdata-k1ll3d_x.tmp"  # as a copy killed between writing and renaming leaves it
    left.write_bytes(b"half a readme")
    mine = [target / ".notes.tmp", target / ".README.md.abcdefgh.tmp"]  # the user's, named alike
    for path in mine:
        path.write_bytes(b"mine")
    again = ocdata("notebooks", str(target))
    assert again.returncode == 0, again.stderr
    assert not left.exists() and all(p.read_bytes() == b"mine" for p in mine)


def test_signals_in_quick_succession_are_one_line_and_exit_130(tmp_path: Path) -> None:
    import signal

    target = tmp_path / "notebooks"
    with holding(target):
        copy = start("notebooks", str(target))
        wait_until_waiting(copy)  # its handlers are in place: it waits for the lock
        for _ in range(3):  # a terminal's, a supervisor's and a process group's
            copy.send_signal(signal.SIGTERM)
        _, err = copy.communicate(timeout=PATIENCE)
    assert copy.returncode == 130
    assert err == "ocdata: interrupted\n"
    assert not target.exists() or not any(target.iterdir())
