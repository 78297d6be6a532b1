"""Kernel folders: a batch killed outright leaves its folders, and the next batch removes them; a running
batch's folders and anything not ours are left alone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ocdata.render import kernel


@pytest.fixture
def temp_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(kernel, "_kernel_base", lambda: tmp_path)
    return tmp_path


def _dead_pid() -> int:
    process = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                             text=True, check=True)
    return int(process.stdout)


def test_folders_of_a_killed_batch_are_swept(temp_base: Path) -> None:
    stale = kernel.kernel_folder()
    (stale / kernel.OWNER_FILE).write_text(f"{_dead_pid()}\n", encoding="ascii")
    (stale / "kernel-1.json").write_text("{}", encoding="ascii")
    mine = kernel.kernel_folder()  # this process is alive: a running batch
    unowned = temp_base / f"{kernel.KERNEL_PREFIX}someone"
    unowned.mkdir()
    (unowned / "notes.txt").write_text("not a kernel folder of ours", encoding="utf-8")
    other = temp_base / "ocdata-other"
    other.mkdir()
    assert kernel.sweep_stale_kernel_folders() == [stale]
    assert not stale.exists()
    assert mine.is_dir() and (unowned / "notes.txt").is_file() and other.is_dir()
    assert (mine / kernel.OWNER_FILE).read_text(encoding="ascii").strip() == str(os.getpid())


def test_a_batch_scratch_folder_is_removed_and_swept(temp_base: Path) -> None:
    with kernel.scratch_folder() as scratch:
        assert scratch.name.startswith(kernel.BATCH_PREFIX) and scratch.is_dir()
        assert kernel.sweep_stale_kernel_folders() == []  # its owner (this process) is alive
    assert not scratch.exists()
    left = temp_base / f"{kernel.BATCH_PREFIX}killed"
    left.mkdir()
    (left / kernel.OWNER_FILE).write_text(f"{_dead_pid()}\n", encoding="ascii")
    (left / "lesson_01.ipynb").write_text("{}", encoding="utf-8")
    assert kernel.sweep_stale_kernel_folders() == [left]


def test_stop_kernels_in_kills_only_processes_naming_the_folder(temp_base: Path) -> None:
    folder = kernel.kernel_folder()
    command = [sys.executable, "-c", "import sys; sys.stdin.read()"]
    named = subprocess.Popen([*command, str(folder / "kernel.json")], stdin=subprocess.PIPE)
    other = subprocess.Popen([*command, str(temp_base / "elsewhere.json")], stdin=subprocess.PIPE)
    try:
        assert kernel.stop_kernels_in(folder) == [named.pid]
        assert named.wait(timeout=60) == -9
        assert other.poll() is None
    finally:
        other.communicate(b"", timeout=60)
    assert other.returncode == 0


def test_a_live_owner_keeps_its_folder_and_a_dead_one_loses_it(temp_base: Path) -> None:
    owner = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    folder = temp_base / f"{kernel.KERNEL_PREFIX}other"
    folder.mkdir()
    (folder / kernel.OWNER_FILE).write_text(f"{owner.pid}\n", encoding="ascii")
    try:
        assert kernel.sweep_stale_kernel_folders() == []
    finally:
        owner.communicate(b"", timeout=60)
    assert kernel.sweep_stale_kernel_folders() == [folder] and not folder.exists()
