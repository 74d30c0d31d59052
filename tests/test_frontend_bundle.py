"""The chart app's frontend: sources that never insert HTML, and a committed bundle that is the
build of those sources, fits the page template and stays small."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from twilio_sms_mms.constants import gsm7

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "frontend" / "src").rglob("*.js"))
STATIC = ROOT / "twilio_sms_mms" / "static"
BUNDLE = {"script": STATIC / "sms_app.js", "stylesheet": STATIC / "sms_app.css"}
# The budget's one definition is frontend/size (`const LIMIT = <n> * 1024;`), read without node.
_LIMIT = re.search(r"const LIMIT = (\d+) \* 1024;", (ROOT / "frontend" / "size").read_text())
assert _LIMIT, "frontend/size defines the script budget"
SIZE_LIMIT = 1024 * int(_LIMIT.group(1))
HTML_INSERTION = re.compile(
    r"innerHTML|outerHTML|insertAdjacentHTML|dangerouslySetInnerHTML|document\.write"
)
# Django renders the template that inlines the bundle; a closing tag would end the element.
TEMPLATE_BREAKERS = ("{{", "{%", "{#", "</script", "</style")


def node_ready() -> bool:
    return shutil.which("node") is not None and (ROOT / "node_modules" / "esbuild").is_dir()


def test_the_sources_exist() -> None:
    names = {path.relative_to(ROOT / "frontend" / "src").as_posix() for path in SOURCES}
    assert {"api.js", "live.js", "store.js", "app.js"} <= names
    assert {"views/thread.js", "views/composer.js", "views/log.js", "views/phones.js"} <= names


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: path.name)
def test_no_source_inserts_html(path: Path) -> None:
    found = HTML_INSERTION.findall(path.read_text(encoding="utf-8"))

    assert not found, f"{path.name} inserts HTML: {found}"


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: path.name)
def test_production_code_never_selects_by_test_id(path: Path) -> None:
    text = path.read_text(encoding="utf-8")

    assert not re.search(r"\[data-testid|getByTestId|dataset\.testid", text), path.name


def test_the_sources_hold_no_copy_of_the_shared_values() -> None:
    text = "\n".join(path.read_text(encoding="utf-8") for path in SOURCES)

    assert gsm7.GSM7_BASIC[10:30] not in text
    assert "ΦΓΛΩ" not in text
    assert not re.search(r"\b(1600|153)\b", text)


@pytest.mark.parametrize("name", sorted(BUNDLE))
def test_the_bundle_fits_the_template(name: str) -> None:
    text = BUNDLE[name].read_text(encoding="utf-8")

    assert text.strip(), name
    assert [marker for marker in TEMPLATE_BREAKERS if marker in text] == []


@pytest.mark.parametrize("name", ["sms_app.js", "inbox_app.js"])
def test_each_page_script_stays_under_the_size_limit(name: str) -> None:
    assert 0 < (STATIC / name).stat().st_size < SIZE_LIMIT


@pytest.mark.skipif(not node_ready(), reason="node and `npm ci` are needed (make frontend-check)")
def test_the_committed_bundle_is_the_build_of_the_sources() -> None:
    done = subprocess.run(
        ["node", "frontend/build.mjs", "--check"], cwd=ROOT, capture_output=True, text=True
    )

    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(not node_ready(), reason="node and `npm ci` are needed (make frontend-check)")
def test_the_size_script_reports_the_committed_bundle() -> None:
    done = subprocess.run(
        ["node", "frontend/size", "--json"], cwd=ROOT, capture_output=True, text=True
    )
    figures = json.loads(done.stdout)

    assert figures["script"] == BUNDLE["script"].stat().st_size
    assert figures["stylesheet"] == BUNDLE["stylesheet"].stat().st_size
    assert figures["total"] == figures["script"] + figures["stylesheet"]
    assert figures["inboxScript"] == (STATIC / "inbox_app.js").stat().st_size
    assert figures["limit"] == SIZE_LIMIT
