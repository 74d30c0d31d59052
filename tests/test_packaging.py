"""`canvas install` never uploads SECRETS.json, whatever directory it is run from (issue 8, 9).

The CLI builds the package with `canvas_cli.apps.plugin.plugin._build_package`: it reads
`.canvasignore` from the WORKING directory only, and skips hidden files and symlinks. So the
local stack keeps its values outside the plugin (`.stack/<plugin>-secrets.json`), makes the
plugin's SECRETS.json a symlink to them, and deletes both when it stops.
"""

from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

import pytest
from canvas_cli.apps.plugin.plugin import _build_package

import devtools.stack as stack_module
from devtools.stack import LocalStack, remove_plugin_secrets, secrets_store, write_plugin_secrets

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PLUGIN = "twilio_sms_mms"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's plugin and ignore file, without any local secrets."""
    root = tmp_path / "project"
    shutil.copytree(
        PROJECT_ROOT / PLUGIN,
        root / PLUGIN,
        ignore=shutil.ignore_patterns("SECRETS.json", "__pycache__"),
    )
    shutil.copy(PROJECT_ROOT / ".canvasignore", root / ".canvasignore")
    (tmp_path / "elsewhere").mkdir()
    return root


def packed_names(plugin_dir: Path, cwd: Path, monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Build the package exactly as `canvas install <plugin_dir>` does, from `cwd`."""
    monkeypatch.chdir(cwd)
    archive = _build_package(plugin_dir)
    try:
        with tarfile.open(archive) as tar:
            return set(tar.getnames())
    finally:
        archive.unlink()


def working_dirs(project: Path) -> list[Path]:
    return [project, project / PLUGIN, project.parent / "elsewhere", Path("/")]


def test_the_stacks_secrets_are_never_packed_from_any_directory(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = project / PLUGIN / "SECRETS.json"
    write_plugin_secrets("http://127.0.0.1:1", "http://127.0.0.1:2", path=secrets)
    assert secrets.is_symlink() and "TwilioAuthToken" in secrets.read_text()

    for cwd in working_dirs(project):
        names = packed_names(project / PLUGIN, cwd, monkeypatch)
        assert "CANVAS_MANIFEST.json" in names, cwd
        assert not any(name.endswith("SECRETS.json") for name in names), cwd
        assert not any("plugin-secrets" in name or name.endswith("-secrets.json") for name in names)


def test_the_secrets_values_live_outside_the_plugin(project: Path) -> None:
    secrets = project / PLUGIN / "SECRETS.json"

    write_plugin_secrets("http://127.0.0.1:1", "http://127.0.0.1:2", path=secrets)

    store = secrets_store(secrets)
    assert store == project / ".stack" / f"{PLUGIN}-secrets.json"
    assert secrets.resolve() == store.resolve()


@pytest.mark.parametrize("cwd_name", ["root", "plugin"])
def test_a_plain_secrets_file_is_ignored_from_the_root_and_the_plugin_directory(
    project: Path, monkeypatch: pytest.MonkeyPatch, cwd_name: str
) -> None:
    (project / PLUGIN / "SECRETS.json").write_text('{"TwilioAuthToken": "x"}')
    cwd = project if cwd_name == "root" else project / PLUGIN

    assert "SECRETS.json" not in packed_names(project / PLUGIN, cwd, monkeypatch)


def test_why_the_symlink_is_needed_a_plain_file_is_packed_from_elsewhere(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The CLI reads .canvasignore from the working directory only: neither ignore file helps.
    (project / PLUGIN / "SECRETS.json").write_text('{"TwilioAuthToken": "x"}')

    names = packed_names(project / PLUGIN, project.parent / "elsewhere", monkeypatch)

    assert "SECRETS.json" in names


def test_removing_the_secrets_deletes_the_link_and_the_values(project: Path) -> None:
    secrets = project / PLUGIN / "SECRETS.json"
    write_plugin_secrets("http://127.0.0.1:1", "http://127.0.0.1:2", path=secrets)

    remove_plugin_secrets(secrets)
    remove_plugin_secrets(secrets)  # idempotent: a second stop is harmless

    assert not secrets.exists() and not secrets.is_symlink()
    assert not secrets_store(secrets).exists()


class Stopped:
    """A stack part that was never started."""

    port = 0

    def stop(self) -> None:
        """Nothing to stop."""


def test_stopping_the_stack_deletes_the_secrets(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = project / PLUGIN / "SECRETS.json"
    monkeypatch.setattr(stack_module, "SECRETS_FILE", secrets)
    write_plugin_secrets("http://127.0.0.1:1", "http://127.0.0.1:2", path=secrets)
    stack = LocalStack(project_root=project, state_dir=project / ".stack", db="sqlite")
    stack.runner_process = Stopped()  # type: ignore[assignment]
    stack.sandbox = Stopped()  # type: ignore[assignment]

    stack.stop()

    assert not secrets.exists() and not secrets.is_symlink()
    assert not secrets_store(secrets).exists()
