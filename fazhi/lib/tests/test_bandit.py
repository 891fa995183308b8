"""bandit finds nothing of medium or higher severity in the code (the same run as `make lint`)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def bandit() -> str | None:
    local = Path(sys.executable).with_name("bandit")
    return str(local) if local.exists() else shutil.which("bandit")


def test_bandit_finds_nothing_of_medium_or_higher_severity():
    exe = bandit()
    if exe is None:
        pytest.skip("bandit is not installed (pip install -e '.[dev]')")
    run = subprocess.run([exe, "-c", "pyproject.toml", "-r", "fazhi", "bench", "scripts", "-ll", "-q", "-f", "json"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    report = json.loads(run.stdout)
    assert report["errors"] == [], report["errors"]
    findings = [f"{r['filename']}:{r['line_number']}: {r['test_id']} [{r['issue_severity']}] {r['issue_text']}"
                for r in report["results"] if r["issue_severity"] in ("MEDIUM", "HIGH")]
    assert findings == [], "\n".join(findings)
    assert run.returncode == 0, run.stderr[-2000:]
    # The run looked at the code (not an empty selection) and left the tests out, as configured.
    scanned = report["metrics"]
    assert any(name.endswith("fazhi/settings.py") for name in scanned)
    assert not any("/tests/" in name for name in scanned)
