"""Development sessions: ``nox`` runs the default set (tests, deps-lowest, lint, typecheck,
docs, package); ``deps-latest``, ``fuzz`` and ``bench`` run on demand."""

from __future__ import annotations

import os
import shutil
import tarfile
import zipfile
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "deps-lowest", "lint", "typecheck", "docs", "package"]

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
# Every adapter's extra; psycopg with its own libpq, so the suite runs without the system's.
EXTRAS = "all,postgres-binary"
# deps-lowest: what runs against the lowest versions pyproject.toml allows (CI time: the
# rules, the ports' contract suites over every adapter, the commands in-process, and the
# adapters of the libraries whose private names are used for speed).
LOWEST_TESTS = [
    "tests/unit",
    "tests/contract",
    "tests/cli/test_commands.py",
    "tests/cli/test_logging.py",
    "tests/integration/delivery/test_sftp.py",
    "tests/integration/delivery/test_sftp_many.py",
]
# deps-latest: the contract suites and the adapters that use private names of pypdf and
# paramiko, which are installed in their newest releases even past the pins.
LATEST_TESTS = [
    "tests/contract",
    "tests/unit/test_documents_pdf.py",
    "tests/unit/test_documents_pdf_fallback.py",
    "tests/integration/delivery/test_sftp.py",
    "tests/integration/delivery/test_sftp_many.py",
]
PAST_THE_PINS = ["pypdf", "paramiko"]


def _group(name: str) -> list[str]:
    return list(nox.project.dependency_groups(PYPROJECT, name))


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite with branch coverage; amparex_core must stay at 95 % or more."""
    session.install("-e", f".[{EXTRAS}]", *_group("test"))
    _compile_catalogues(session)
    env = {"HYPOTHESIS_PROFILE": "ci" if os.environ.get("CI") else "dev"}
    session.run(
        "pytest",
        "--cov",
        "--cov-report=",
        "--hypothesis-show-statistics" if os.environ.get("CI") else "-q",
        *session.posargs,
        env=env,
    )
    session.run(
        "coverage",
        "report",
        "--include=*/amparex_core/*",
        "--fail-under=95",
    )


@nox.session(name="deps-lowest", venv_backend="uv")
def deps_lowest(session: nox.Session) -> None:
    """The rules and contract suites with the lowest version of every direct dependency.

    ``uv pip install --resolution lowest-direct`` (``--upgrade``: a reused environment is
    resolved again): each lower bound in pyproject.toml (the library's and the test
    group's) is tested, not only claimed. In the default set.
    """
    session.install(
        "--upgrade", "--resolution", "lowest-direct", "-e", f".[{EXTRAS}]", *_group("test")
    )
    _compile_catalogues(session)
    session.run("uv", "pip", "freeze", external=True, silent=False)
    session.run(
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        *(session.posargs or LOWEST_TESTS),
        env={"HYPOTHESIS_PROFILE": "ci" if os.environ.get("CI") else "dev"},
    )


@nox.session(name="deps-latest", venv_backend="uv")
def deps_latest(session: nox.Session) -> None:
    """The newest releases the pins allow, and pypdf and paramiko even past their pins.

    On demand only (not in the default set): it tells early what the next releases break.
    Warnings are allowed (``-W default``): a newer library may deprecate things, and the
    adapters log a warning when they fall back to a library's public API.
    """
    overrides = Path(session.create_tmp()) / "past-the-pins.txt"
    overrides.write_text("".join(f"{name}\n" for name in PAST_THE_PINS))
    session.install(
        "--upgrade", "--override", str(overrides), "-e", f".[{EXTRAS}]", *_group("test")
    )
    session.run("uv", "pip", "freeze", external=True, silent=False)
    session.run(
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-W",
        "default",
        *(session.posargs or LATEST_TESTS),
        env={"HYPOTHESIS_PROFILE": "dev"},
    )


@nox.session
def fuzz(session: nox.Session) -> None:
    """The abuse suite with random examples, 1,000 per property (not in the default set).

    CI replays the same derandomized examples every run; this looks for new ones. A
    failure prints the example and a blob to reproduce it (``@reproduce_failure``).
    """
    session.install("-e", f".[{EXTRAS}]", *_group("test"))
    session.run(
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        *(
            session.posargs
            or sorted(str(p) for p in Path("tests/reliability").glob("test_abuse_*.py"))
        ),
        env={"HYPOTHESIS_PROFILE": "fuzz"},
    )


LOCALE = ROOT / "src" / "amparex_adapters" / "locale"
# click's modules whose messages the command can print (amparex_adapters.i18n.CLICK_MODULES).
CLICK_MESSAGES = ["core", "decorators", "exceptions", "formatting", "parser", "types", "termui"]
CLICK_MESSAGES += ["utils"]


def _compile_catalogues(session: nox.Session) -> None:
    """The .mo files of a checkout, next to their .po sources (never committed)."""
    session.run("python", str(ROOT / "src" / "amparex_adapters" / "_msgfmt.py"), str(LOCALE))


@nox.session
def i18n(session: nox.Session) -> None:
    """The message catalogues: ``extract`` (the .pot from the code and click's messages),
    ``update`` (the German .po from the .pot), ``compile`` (the .mo files, as the build
    does); all three without arguments. See docs/contributing.md."""
    steps = session.posargs or ["extract", "update", "compile"]
    if {"extract", "update"} & set(steps):
        session.install("-e", ".[cli]", "babel>=2.14")
    pot = LOCALE / "amparex.pot"
    if "extract" in steps:
        found = session.run(
            "python", "-c", "import click, os; print(os.path.dirname(click.__file__))", silent=True
        )
        click_dir = Path(str(found).strip().splitlines()[-1])
        click_files = [str(click_dir / f"{name}.py") for name in CLICK_MESSAGES]
        session.run(
            "pybabel", "extract", "-F", "babel.cfg", "--no-location", "--sort-output",
            "--project", "amparex-core", "--copyright-holder", "the amparex-core authors",
            "-o", str(pot), "src", *click_files,
        )  # fmt: skip
    if "update" in steps:
        session.run(
            "pybabel", "update", "-i", str(pot), "-d", str(LOCALE), "-D", "amparex",
            "--no-fuzzy-matching", "--ignore-obsolete", "--no-wrap",
        )  # fmt: skip
    if "compile" in steps:
        _compile_catalogues(session)


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff lint and format check."""
    session.install(*_group("lint"))
    checked = [
        "src", "tests", "benchmarks", "docs/_ext", "docs/conf.py", "noxfile.py", "hatch_build.py"
    ]  # fmt: skip
    session.run("ruff", "check", *checked)
    session.run("ruff", "format", "--check", *checked)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on src, tests and this file."""
    session.install("-e", f".[{EXTRAS}]", *_group("typecheck"))
    session.run("mypy", "--strict")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the docs nitpicky with warnings as errors, then run the doctests of the docs."""
    session.install("-e", f".[{EXTRAS}]", *_group("docs"))
    common = ["-E", "-n", "-W", "--keep-going", "docs"]
    session.run("sphinx-build", "-b", "html", *common, "docs/_build/html")
    session.run("sphinx-build", "-b", "doctest", *common, "docs/_build/doctest")


@nox.session
def package(session: nox.Session) -> None:
    """Build wheel and sdist, check them with twine and for the LICENSE file, install the
    wheel with every extra into a fresh environment and run the installed command there
    (``--version``, its German help and the demo twice)."""
    session.install("build", "twine")
    tmp = Path(session.create_tmp())
    for old in ("dist", "demo"):
        shutil.rmtree(tmp / old, ignore_errors=True)
    dist = tmp / "dist"
    session.run("python", "-m", "build", "--outdir", str(dist), silent=True)
    session.run("twine", "check", "--strict", *map(str, sorted(dist.iterdir())))
    wheel_names = zipfile.ZipFile(next(dist.glob("*.whl"))).namelist()
    with tarfile.open(next(dist.glob("*.tar.gz"))) as sdist:
        sdist_names = sdist.getnames()
    for where, names in (("wheel", wheel_names), ("sdist", sdist_names)):
        if not any(name.endswith("/LICENSE") for name in names):
            session.error(f"the {where} has no LICENSE file")
    # The catalogues: their sources in the sdist, compiled by the build hook into the wheel.
    mo = "amparex_adapters/locale/de/LC_MESSAGES/amparex.mo"
    if mo not in wheel_names:
        session.error(f"the wheel has no {mo} (hatch_build.py)")
    if not any(n.endswith("/amparex.po") for n in sdist_names):
        session.error("the sdist has no amparex.po")
    if any(n.endswith(".mo") for n in sdist_names):
        session.error("the sdist holds a compiled catalogue")
    wheel = next(dist.glob("*.whl"))
    venv = dist.parent / "installed"
    session.run("python", "-m", "venv", "--clear", str(venv))
    python, amparex = venv / "bin" / "python", venv / "bin" / "amparex"
    session.run(str(python), "-m", "pip", "install", "-q", f"{wheel}[all]", external=True)
    session.run(str(amparex), "--version", external=True)
    german = session.run(str(amparex), "--lang", "de", "--help", external=True, silent=True)
    if not str(german).startswith("Aufruf: amparex"):
        session.error(f"the installed command's help is not German:\n{german}")
    demo = dist.parent / "demo"
    for _ in range(2):
        session.run(str(amparex), "demo", str(demo), external=True)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks side by side: one line per case, ``name  ours  baseline  ratio``.

    Writes benchmarks/results.json and regenerates benchmarks/RESULTS.md (machine, date,
    figures). Arguments after ``--`` go to ``python -m benchmarks``: ``-- --scale 0.01``
    for a quick run, ``-- delivery`` for one module, ``-- --rounds 9``, ``-- --list``.
    """
    session.install("-e", f".[{EXTRAS}]", *_group("test"))  # the cases use tests/plugins peers
    session.run(
        "python",
        "-m",
        "benchmarks",
        "--json",
        "benchmarks/results.json",
        "--markdown",
        "benchmarks/RESULTS.md",
        *session.posargs,
    )
