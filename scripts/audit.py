"""``make audit``: bandit over our code, pip-audit over the locked dependencies.

pip-audit needs its vulnerability service. When the service cannot be reached, this says so
plainly and exits non-zero for that step's "unknown" state only if --strict is given: an
unreachable service is never reported as a pass.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CODE = ["cfp", "reviews", "diversity", "common", "config"]


def bandit() -> int:
    print("== bandit (security lint of our code; tests and migrations excluded)")
    result = subprocess.run(
        [
            str(BIN / "bandit"),
            "-q",
            "-r",
            *CODE,
            "-x",
            "*/migrations/*,*/tests/*",
            "--severity-level",
            "medium",
        ],
        cwd=ROOT,
        check=False,
    )
    print("bandit:", "no medium or high findings" if result.returncode == 0 else "FINDINGS above")
    return result.returncode


def _uv() -> str:
    local = ROOT / ".tools" / "bin" / "uv"
    return str(local) if local.exists() else (shutil.which("uv") or "uv")


def pip_audit() -> str:
    print("== pip-audit (known vulnerabilities in the locked dependencies)")
    with tempfile.TemporaryDirectory() as tmp:
        requirements = Path(tmp) / "requirements.txt"
        subprocess.run(
            [
                _uv(),
                "export",
                "--frozen",
                "--no-hashes",
                "--no-emit-project",
                "-o",
                str(requirements),
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        result = subprocess.run(
            [
                str(BIN / "pip-audit"),
                "--no-deps",
                "--disable-pip",
                "-r",
                str(requirements),
                "--timeout",
                "20",
            ],
            cwd=ROOT,
            check=False,
            capture_output=True,
            text=True,
        )
    output = (result.stdout + result.stderr).strip()
    print(output[-3000:])
    unaudited = output.count("could not be audited")
    unreachable = ("ConnectionError", "Max retries", "timed out")
    if unaudited or any(word in output for word in unreachable):
        # pip-audit still ends with "No known vulnerabilities found" when it could check nothing.
        print(
            "pip-audit: NOT AUDITED: the vulnerability service could not be reached from this "
            "machine, so nothing is known about the dependencies. This is not a pass."
        )
        print(f"pip-audit: {unaudited} dependencies could not be audited.")
        return "unknown"
    if result.returncode == 0 and "No known vulnerabilities found" in output:
        return "pass"
    return "fail"


def main() -> int:
    strict = "--strict" in sys.argv
    bandit_rc = bandit()
    audit = pip_audit()
    print(f"== summary: bandit {'ok' if bandit_rc == 0 else 'FAILED'}; pip-audit {audit}")
    if bandit_rc != 0 or audit == "fail":
        return 1
    if audit == "unknown" and strict:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
