"""Each fallback for a system without a capability, forced here where the capability exists: pointer folders
where links cannot be made (holding hard links, or copies where there are none), moving aside where two names
cannot be swapped, TCP kernels where there are no IPC sockets; and ``OCDATA_FORCE_FALLBACKS=1``, which forces them
all."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from docs import copy_raw, rewrite

import ocdata
import ocdata.store as store
from ocdata import capabilities
from ocdata.cli import main
from ocdata.errors import InputError
from ocdata.render import transport
from ocdata.render.kernel import KernelSession
from ocdata.store import check_out, hold, publish_tables, shown_version, versions_dir
from ocdata.tables import BUILD_MARKER, DESCRIPTOR, own_files, read_tables, shown_folder


@pytest.fixture(scope="module")
def tables(tmp_path_factory) -> dict[str, pd.DataFrame]:
    out = tmp_path_factory.mktemp("built") / "processed"
    assert main(["build", "--out", str(out)]) == 0
    return read_tables(out)


def publish(tables: dict[str, pd.DataFrame], out: Path) -> Path:
    return publish_tables(tables, tables["sources"], out, {"fingerprint": "x"})


def assert_same(found: dict[str, pd.DataFrame], expected: dict[str, pd.DataFrame]) -> None:
    assert found.keys() == expected.keys()
    for name, table in expected.items():
        pd.testing.assert_frame_equal(found[name], table, obj=name)


def real_folder_build(tables: dict[str, pd.DataFrame], target: Path) -> Path:
    """A build as earlier versions of ocdata wrote it: a real folder holding the tables."""
    version = publish(tables, target.parent / "source")
    target.mkdir()
    for path in version.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    return target


@pytest.fixture
def no_links(monkeypatch):
    monkeypatch.setattr(capabilities, "symlinks", lambda folder: False)


@pytest.fixture
def no_hardlinks(monkeypatch):
    monkeypatch.setattr(capabilities, "hardlinks", lambda: False)


@pytest.fixture
def no_exchange(monkeypatch):
    monkeypatch.setattr(capabilities, "exchange", lambda: False)


def sha256(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


# Where links cannot be made: a pointer folder holding the version's files.
@pytest.mark.parametrize("hardlinks", [True, False], ids=["hard links", "copies"])
def test_without_links_out_is_a_folder_holding_the_version_and_naming_it(tables, tmp_path, no_links, monkeypatch,
                                                                         hardlinks):
    if not hardlinks:
        monkeypatch.setattr(capabilities, "hardlinks", lambda: False)
    out = tmp_path / "processed"
    first = publish(tables, out)
    tables_files = sorted(f"{name}.{ext}" for name in tables for ext in ("csv", "parquet"))
    assert not out.is_symlink() and sorted(p.name for p in out.iterdir()) == sorted(
        [BUILD_MARKER, DESCRIPTOR, *tables_files])
    assert shown_version(out) == shown_folder(out) == first
    descriptor = json.loads((out / DESCRIPTOR).read_text(encoding="utf-8"))
    assert descriptor["ocdata"]["shows"] == f"../{versions_dir(out).name}/{first.name}"
    assert descriptor["ocdata"]["fingerprint"] == "x"
    for resource in descriptor["resources"]:  # a plain Frictionless package: its files beside it, no ".."
        assert resource["path"] == f"{resource['name']}.csv" and sha256(out / resource["path"]) == resource["hash"]
    for name in tables_files:
        assert (out / name).read_bytes() == (first / name).read_bytes(), name
        assert os.path.samefile(out / name, first / name) == (hardlinks and capabilities.hardlinks()), name
    assert_same(read_tables(out), tables)
    pd.testing.assert_frame_equal(ocdata.load(tables=out).scores, tables["scores"])
    second = publish(tables, out)
    assert shown_version(out) == second and not first.exists()
    assert sorted(p.name for p in versions_dir(out).iterdir()) == [".lock", ".writing.lock", second.name]
    assert sorted(p.name for p in out.iterdir()) == sorted([BUILD_MARKER, DESCRIPTOR, *tables_files])
    assert all((out / name).read_bytes() == (second / name).read_bytes() for name in tables_files)


def test_without_links_a_users_or_edited_file_in_out_is_refused_and_kept(tables, tmp_path, no_links):
    out = tmp_path / "processed"
    publish(tables, out)
    (out / "scores.csv").unlink()  # an edit saved as a new file (editors replace, so the version is unchanged)
    (out / "scores.csv").write_bytes(b"iso3\nmine\n")
    with pytest.raises(InputError, match=r"'scores\.csv' changed since"):
        check_out(out)
    with pytest.raises(InputError, match=r"'scores\.csv' changed since"):
        publish(tables, out)
    assert (out / "scores.csv").read_bytes() == b"iso3\nmine\n"
    (out / "scores.csv").unlink()
    (out / ".scores.csv.20260101T000000-1-abcdef.tmp").write_bytes(b"mine\n")  # our temporary's name, not its bytes
    with pytest.raises(InputError, match=r"found '\.scores\.csv\.20260101T000000-1-abcdef\.tmp'"):
        publish(tables, out)
    assert (out / ".scores.csv.20260101T000000-1-abcdef.tmp").read_bytes() == b"mine\n"


def test_without_links_files_of_a_table_no_longer_built_go_only_when_ours(tables, tmp_path, no_links):
    out = tmp_path / "processed"
    publish(tables, out)
    fewer = {name: table for name, table in tables.items() if name != "aggregates"}
    version = publish_tables(fewer, tables["sources"], out, {"fingerprint": "y"})
    assert not (out / "aggregates.csv").exists() and not (out / "aggregates.parquet").exists()
    assert sorted(p.name for p in out.iterdir() if p.name not in own_files()) == []
    assert (out / "scores.csv").read_bytes() == (version / "scores.csv").read_bytes()
    (out / "aggregates.csv").write_bytes(b"mine\n")  # a file of the name, not of ocdata's bytes
    with pytest.raises(InputError, match=r"'aggregates\.csv' changed since"):
        publish(tables, out)
    assert (out / "aggregates.csv").read_bytes() == b"mine\n"


def test_without_links_an_earlier_real_folder_build_becomes_a_pointer_folder(tables, tmp_path, no_links):
    out = real_folder_build(tables, tmp_path / "processed")
    version = publish(tables, out)
    assert shown_version(out) == version and json.loads((out / DESCRIPTOR).read_text(encoding="utf-8"))["ocdata"][
        "shows"] == f"../{versions_dir(out).name}/{version.name}"
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.suffix in (".csv", ".parquet")} == {
        p.name: p.read_bytes() for p in version.iterdir() if p.suffix in (".csv", ".parquet")}
    assert_same(read_tables(out), tables)


POINTER_KILLER = """
import os, signal, sys
from ocdata import capabilities
import ocdata.store as store
capabilities.symlinks = lambda folder: False
step, occurrence = sys.argv[1], int(sys.argv[2])
seen = []
def kill_at(name):
    seen.append(name)
    if seen.count(step) == occurrence:
        os.kill(os.getpid(), signal.SIGKILL)
store.STEP_HOOK = kill_at
from ocdata.cli import main
sys.exit(main(sys.argv[3:]))
"""


@pytest.fixture(scope="module")
def changed(tmp_path_factory) -> tuple[Path, dict[str, pd.DataFrame]]:
    """Documents that build other tables (a capital renamed), and their tables."""
    raw = copy_raw(tmp_path_factory.mktemp("changed") / "raw")
    text = (raw / "kgz_2025_profile_web.txt").read_text(encoding="utf-8").replace("    Bishkek", "    Bishkek City")
    rewrite(raw, "kgz_2025_profile_web.txt", text)
    out = raw.parent / "reference"
    assert main(["build", "--raw", str(raw), "--out", str(out)]) == 0
    return raw, read_tables(out)


@pytest.mark.parametrize(("step", "occurrence"), [("place", 1), ("place", 5), ("link", 1), ("swap", 1)])
def test_without_links_a_build_killed_while_placing_files_leaves_old_or_new_tables(tables, changed, tmp_path, no_links,
                                                                                  step, occurrence):
    raw, new_tables = changed
    out = tmp_path / "processed"
    assert main(["build", "--out", str(out)]) == 0
    killed = subprocess.run([sys.executable, "-c", POINTER_KILLER, step, str(occurrence), "build", "--raw", str(raw),
                             "--out", str(out)], capture_output=True, text=True, check=False)
    assert killed.returncode == -9, killed.stderr
    expected = new_tables if step == "swap" else tables  # the descriptor, written last, says which build is whole
    assert_same(read_tables(out), expected)
    pd.testing.assert_frame_equal(ocdata.load(tables=out).scores, expected["scores"])
    with hold(out) as version:
        assert_same(read_tables(version), expected)
    assert bool(list(out.glob(".*.tmp"))) == (step == "place")  # the file being placed, under its temporary name
    assert main(["build", "--out", str(out)]) == 0  # every file there is ocdata's: the next build goes on
    names = sorted(f"{name}.{ext}" for name in tables for ext in ("csv", "parquet"))
    assert sorted(p.name for p in out.iterdir()) == sorted([BUILD_MARKER, DESCRIPTOR, *names])
    assert sorted(p.name for p in versions_dir(out).iterdir()) == [".lock", ".writing.lock", shown_version(out).name]
    assert all((out / n).read_bytes() == (shown_version(out) / n).read_bytes() for n in names)
    assert_same(read_tables(out), tables)


def test_a_pointer_folder_becomes_a_link_where_links_can_be_made(tables, tmp_path, monkeypatch):
    out = tmp_path / "processed"
    monkeypatch.setattr(capabilities, "symlinks", lambda folder: False)
    first = publish(tables, out)
    monkeypatch.undo()
    if capabilities.forced():
        pytest.skip("links are forced away")
    second = publish(tables, out)
    assert out.is_symlink() and shown_version(out) == second and not first.exists()
    assert_same(read_tables(out), tables)


def test_a_held_pointer_version_outlives_later_builds(tables, tmp_path, no_links):
    out = tmp_path / "processed"
    first = publish(tables, out)
    with hold(out) as version:
        assert version == first
        publish(tables, out)
        publish(tables, out)
        assert_same(read_tables(version), tables)
    publish(tables, out)
    assert not first.exists()


# Where two names cannot be swapped in one step: the earlier real folder moves aside first.
def test_without_exchange_an_earlier_real_folder_is_moved_aside_then_removed(tables, tmp_path, no_exchange):
    out = real_folder_build(tables, tmp_path / "processed")
    version = publish(tables, out)
    assert shown_version(out) == version
    if not capabilities.forced():
        assert out.is_symlink()
    assert [p.name for p in versions_dir(out).iterdir() if p.name.endswith("-previous")] == []
    assert_same(read_tables(out), tables)


KILLER = """
import os, signal, sys
from ocdata import capabilities
import ocdata.store as store
capabilities.exchange = lambda: False
def kill_at(name):
    if name == sys.argv[1]:
        os.kill(os.getpid(), signal.SIGKILL)
store.STEP_HOOK = kill_at
from ocdata.cli import main
sys.exit(main(sys.argv[2:]))
"""


def test_without_exchange_a_build_killed_while_moving_aside_keeps_the_earlier_build(tables, tmp_path):
    if capabilities.forced():
        pytest.skip("links are forced away: no folder is moved aside")
    out = real_folder_build(tables, tmp_path / "processed")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    killed = subprocess.run([sys.executable, "-c", KILLER, "retire", "build", "--out", str(out)],
                            capture_output=True, text=True, check=False)
    assert killed.returncode == -9, killed.stderr
    [aside] = [p for p in versions_dir(out).iterdir() if p.name.endswith("-previous")]
    assert not out.exists() and {p.name: p.read_bytes() for p in aside.iterdir()} == before
    assert_same(read_tables(out), tables)  # readers find the earlier build where it was set aside
    pd.testing.assert_frame_equal(ocdata.load(tables=out).scores, tables["scores"])
    assert build_failing_at_staging(out) == 2  # the next build puts it back first, even one that then fails
    assert not out.is_symlink() and {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not aside.exists()
    assert main(["build", "--out", str(out)]) == 0
    assert out.is_symlink() and not aside.exists()


def build_failing_at_staging(out: Path) -> int:
    """``ocdata build --out OUT`` stopped by a full disk once it has made its version folder."""
    def full(name: str) -> None:
        if name == "staging":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out))

    store.STEP_HOOK = full
    try:
        return main(["build", "--out", str(out)])
    finally:
        store.STEP_HOOK = None


def test_a_build_killed_while_a_pointer_folder_replaces_a_link_is_put_back_by_the_next(tables, changed, tmp_path):
    if capabilities.forced():
        pytest.skip("links are forced away: no link to replace")
    raw, new_tables = changed
    out = tmp_path / "processed"
    assert main(["build", "--out", str(out)]) == 0 and out.is_symlink()
    killed = subprocess.run([sys.executable, "-c", POINTER_KILLER, "link", "1", "build", "--raw", str(raw),
                             "--out", str(out)], capture_output=True, text=True, check=False)
    assert killed.returncode == -9, killed.stderr
    [made] = [p for p in tmp_path.iterdir() if p.name.startswith(".processed.ocdata-swap-")]
    out.unlink()  # where the build was killed between removing the link and renaming the folder onto it
    assert build_failing_at_staging(out) == 2
    assert not out.is_symlink() and not made.exists() and shown_version(out) is not None
    assert_same(read_tables(out), new_tables)
    assert main(["build", "--out", str(out)]) == 0 and out.is_symlink()
    assert_same(read_tables(out), tables)


# Where there are no IPC sockets: TCP on 127.0.0.1, and no warning about it.
@pytest.mark.parametrize("curve", [True, False], ids=["encrypted", "plain"])
def test_without_ipc_kernels_use_tcp_on_loopback_without_a_warning(tmp_path, monkeypatch, capfd, curve):
    import nbformat.v4 as nbf

    monkeypatch.setattr(capabilities, "ipc_kernels", lambda: False)
    if not curve:
        monkeypatch.setattr(transport, "_curve", lambda: False)
    folder = tmp_path / "kernel"
    with KernelSession(cwd=tmp_path, folder=folder) as session:
        connection = json.loads((folder / "kernel.json").read_text(encoding="utf-8"))
        assert connection["transport"] == "tcp" and connection["ip"] == "127.0.0.1"
        assert ("curve_publickey" in connection) == (curve and transport.encrypted(session.km))
        nb = session.execute(nbf.new_notebook(cells=[nbf.new_code_cell("print(6 * 7)")]), {})
        assert nb.cells[0].outputs[0]["text"] == "42\n"
    captured = capfd.readouterr()
    assert "TCP" not in captured.err + captured.out


# One switch for all of them.
def test_the_switch_forces_every_fallback(tmp_path):
    code = ("from pathlib import Path; import sys; from ocdata import capabilities as c; "
            "print(c.symlinks(Path(sys.argv[1])), c.hardlinks(), c.exchange(), c.ipc_kernels(), c.kernel_transport())")
    env = {**os.environ, capabilities.FORCE_FALLBACKS: "1"}
    forced = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, env=env,
                            check=True)
    assert forced.stdout.split() == ["False", "False", "False", "False", "tcp"]
    env[capabilities.FORCE_FALLBACKS] = "0"
    built = subprocess.run([sys.executable, "-m", "ocdata", "build", "--out", str(tmp_path / "out")],
                           capture_output=True, text=True, env={**env, capabilities.FORCE_FALLBACKS: "1"})
    assert built.returncode == 0, built.stderr
    assert not (tmp_path / "out").is_symlink() and shown_version(tmp_path / "out") is not None
    assert list(tmp_path.glob(".ocdata-probe-*")) == []
