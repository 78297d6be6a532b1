"""Each fallback for a system without a capability, forced here where the capability exists: pointer folders
where links cannot be made, moving aside where two names cannot be swapped, TCP kernels where there are no
IPC sockets; and ``OCDATA_FORCE_FALLBACKS=1``, which forces them all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import ocdata
from ocdata import capabilities
from ocdata.cli import main
from ocdata.render import transport
from ocdata.render.kernel import KernelSession
from ocdata.store import hold, publish_tables, shown_version, versions_dir
from ocdata.tables import BUILD_MARKER, DESCRIPTOR, read_tables, shown_folder


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
def no_exchange(monkeypatch):
    monkeypatch.setattr(capabilities, "exchange", lambda: False)


# Where links cannot be made: a pointer folder.
def test_without_links_out_is_a_folder_whose_descriptor_points_to_the_version(tables, tmp_path, no_links):
    out = tmp_path / "processed"
    first = publish(tables, out)
    assert not out.is_symlink() and sorted(p.name for p in out.iterdir()) == [BUILD_MARKER, DESCRIPTOR]
    assert shown_version(out) == shown_folder(out) == first
    descriptor = json.loads((out / DESCRIPTOR).read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        path = out / resource["path"]  # relative to the descriptor, as Frictionless readers resolve it
        assert path.is_file() and path.parent.resolve() == first.resolve(), resource["path"]
    assert descriptor["ocdata"]["fingerprint"] == "x"
    assert_same(read_tables(out), tables)
    pd.testing.assert_frame_equal(ocdata.load(tables=out).scores, tables["scores"])
    second = publish(tables, out)
    assert shown_version(out) == second and not first.exists()
    assert sorted(p.name for p in versions_dir(out).iterdir()) == [".lock", ".writing.lock", second.name]


def test_without_links_an_earlier_real_folder_build_becomes_a_pointer_folder(tables, tmp_path, no_links):
    out = real_folder_build(tables, tmp_path / "processed")
    version = publish(tables, out)
    assert sorted(p.name for p in out.iterdir()) == [BUILD_MARKER, DESCRIPTOR] and shown_version(out) == version
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
    assert main(["build", "--out", str(out)]) == 0
    assert out.is_symlink() and not aside.exists()


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
            "print(c.symlinks(Path(sys.argv[1])), c.exchange(), c.ipc_kernels(), c.kernel_transport())")
    env = {**os.environ, capabilities.FORCE_FALLBACKS: "1"}
    forced = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, env=env,
                            check=True)
    assert forced.stdout.split() == ["False", "False", "False", "tcp"]
    env[capabilities.FORCE_FALLBACKS] = "0"
    built = subprocess.run([sys.executable, "-m", "ocdata", "build", "--out", str(tmp_path / "out")],
                           capture_output=True, text=True, env={**env, capabilities.FORCE_FALLBACKS: "1"})
    assert built.returncode == 0, built.stderr
    assert not (tmp_path / "out").is_symlink() and shown_version(tmp_path / "out") is not None
    assert list(tmp_path.glob(".ocdata-probe-*")) == []
