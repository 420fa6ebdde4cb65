"""The README's integrator example runs as written (docs match the code)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).parents[2] / "README.md"


def test_LL5_LL8_readme_integrator_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) == 1
    out = subprocess.run(
        [sys.executable, "-c", blocks[0]], capture_output=True, text=True, timeout=120, check=True
    )
    written, uploaded, errors = out.stdout.strip().split("] ")
    assert "_customers_" in written
    assert "_customers_" in uploaded
    assert errors == "[]"
