"""The one harness every benchmark case runs on.

A :class:`Case` pairs our code (``ours``) with a baseline doing the same job the plain way
(``baseline``). The harness runs both in the same process run, alternating over at least
five rounds and alternating which side goes first in each round (so drift in the machine's
load hits both sides alike), and reports per case:

* ``ours`` and ``baseline``: the median over the rounds (seconds per call, or the value of
  a non-time metric such as peak RSS in MiB);
* ``ratio``: the **median of the per-round ratios** ``ours / baseline`` — one direction for
  every case: lower is better, below 1 ours is faster (or smaller).

Each case prints exactly one line ``name  ours  baseline  ratio``; a case whose peer or
tool is missing prints ``name  skipped: <reason>``; a case that raises is recorded as
failed with its message and the run goes on. :func:`write_json` stores machine, commit,
date and every per-round value; :func:`render_markdown` turns that JSON into
``benchmarks/RESULTS.md``.

Cases come from the benchmark modules: each module has ``GROUPS``, a tuple of
:class:`Group` (the case names a generator yields, and the generator, which starts the
peers the cases need and keeps them running while it is suspended at ``yield``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, TextIO

MIN_ROUNDS = 5
RATIO_RULE = (
    "ratio = ours / baseline, the median of the per-round ratios (lower is better; "
    "< 1: ours faster or smaller); ours, baseline = median per round"
)
TIME_UNIT = "s"


class PeerMissing(Exception):
    """Raised by a group when a peer or tool it needs is not there: its cases are skipped."""


@dataclass(frozen=True)
class Skip:
    """A case that cannot run here (its peer or tool is missing)."""

    name: str
    reason: str


@dataclass(frozen=True)
class Case:
    """One benchmark case: our code against a baseline doing the same job.

    Attributes:
        name: Stable name (also with ``--scale``; sizes go into *params*).
        baseline_is: What the baseline is, in a few words (shown in RESULTS.md).
        ours: Our side; with ``unit="s"`` it is timed, else it returns the value.
        baseline: The baseline side, same convention.
        setup: Called before each side's run of every round (not timed).
        teardown: Called after each side's run of every round (not timed).
        target: The ratio the case should stay at or below, if the issue names one.
        ours_limit: An absolute bound on ``ours`` (in *unit*), if the issue names one.
        unit: ``"s"`` for wall-clock time, else the unit of the value the sides return.
        inner: Calls per side and round (for short operations); the time is per call.
        warmup: Untimed calls of each side before the rounds.
        cpu_name: When set, a second result of that name from the same runs, in CPU
            seconds of this process (steadier than wall-clock time on a busy machine).
        check: Called once after the rounds (not timed), e.g. to verify the outputs.
        params: Sizes and settings of this run (recorded in the JSON).
        note: A short note for RESULTS.md.
    """

    name: str
    baseline_is: str
    ours: Callable[[], object]
    baseline: Callable[[], object]
    setup: Callable[[], object] | None = None
    teardown: Callable[[], object] | None = None
    target: float | None = None
    ours_limit: float | None = None
    unit: str = TIME_UNIT
    inner: int = 1
    warmup: int = 0
    cpu_name: str | None = None
    check: Callable[[], object] | None = None
    params: Mapping[str, object] = field(default_factory=dict)
    note: str = ""


@dataclass(frozen=True)
class Group:
    """Cases sharing peers: *names* are the cases *cases* yields, in order."""

    names: tuple[str, ...]
    cases: Callable[[Run], Iterator[Case | Skip]]


@dataclass
class Run:
    """What a group learns about this run: rounds, scale and which cases are wanted."""

    rounds: int = MIN_ROUNDS
    scale: float = 1.0
    selectors: tuple[str, ...] = ()

    def wants(self, name: str, module: str = "") -> bool:
        """Whether case *name* (of *module*) was selected (all are when none was named)."""
        if not self.selectors:
            return True
        return any(s == module or fnmatchcase(name, s) for s in self.selectors)

    def scaled(self, size: int, minimum: int = 1) -> int:
        """*size* times ``--scale``, at least *minimum*."""
        return max(minimum, round(size * self.scale))


@dataclass
class Result:
    """The outcome of one case (or of its CPU-time twin)."""

    name: str
    module: str
    status: str  # "ok", "skipped", "failed"
    baseline_is: str = ""
    unit: str = TIME_UNIT
    ours: float | None = None
    baseline: float | None = None
    ratio: float | None = None
    rounds: int = 0
    per_round: dict[str, list[Any]] = field(default_factory=dict)
    target: float | None = None
    target_met: bool | None = None
    ours_limit: float | None = None
    params: dict[str, object] = field(default_factory=dict)
    note: str = ""
    message: str = ""
    load_average: float | None = None

    def as_json(self) -> dict[str, Any]:
        """This result as a JSON-ready mapping."""
        return {
            "name": self.name,
            "module": self.module,
            "status": self.status,
            "baseline_is": self.baseline_is,
            "unit": self.unit,
            "ours": self.ours,
            "baseline": self.baseline,
            "ratio": self.ratio,
            "rounds": self.rounds,
            "per_round": self.per_round,
            "target": self.target,
            "target_met": self.target_met,
            "ours_limit": self.ours_limit,
            "params": self.params,
            "note": self.note,
            "message": self.message,
            "load_average_1min": self.load_average,
        }


# ------------------------------------------------------------------ measuring


Clock = Callable[[], float]


def _side_order(round_no: int) -> tuple[str, str]:
    """Which side goes first in round *round_no*: ours in even rounds, the baseline in odd."""
    return ("ours", "baseline") if round_no % 2 == 0 else ("baseline", "ours")


def measure(
    case: Case,
    rounds: int,
    module: str = "",
    *,
    clock: Clock = time.perf_counter,
    cpu_clock: Clock = time.process_time,
) -> list[Result]:
    """Run *case* over *rounds* alternating rounds; its result (and its CPU-time twin).

    Raises whatever the case raises; :func:`run_groups` records that as a failure.
    """
    if rounds < MIN_ROUNDS:
        raise ValueError(f"at least {MIN_ROUNDS} rounds are needed, not {rounds}")
    if case.inner < 1:
        raise ValueError("inner must be >= 1")
    sides = {"ours": case.ours, "baseline": case.baseline}
    for _ in range(case.warmup):
        for name in _side_order(0):
            _call(case.setup)
            sides[name]()
            _call(case.teardown)
    timed = case.unit == TIME_UNIT
    values: dict[str, list[float]] = {"ours": [], "baseline": []}
    cpu: dict[str, list[float]] = {"ours": [], "baseline": []}
    orders: list[str] = []
    for round_no in range(rounds):
        order = _side_order(round_no)
        orders.append("-".join(order))
        for name in order:
            _call(case.setup)
            fn = sides[name]
            if timed:
                c0, t0 = cpu_clock(), clock()
                for _ in range(case.inner):
                    fn()
                wall, used = clock() - t0, cpu_clock() - c0
                values[name].append(wall / case.inner)
                cpu[name].append(used / case.inner)
            else:
                got = fn()
                if not isinstance(got, int | float):
                    raise TypeError(f"{name} of {case.name} returned {got!r}, not a number")
                values[name].append(float(got))
            _call(case.teardown)
    _call(case.check)
    load = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    results = [_result(case, module, case.name, case.unit, values, orders)]
    if case.cpu_name and timed:
        twin = _result(case, module, case.cpu_name, "s (CPU)", cpu, orders, limit=False)
        twin.note = f"CPU time of this process in the same runs as {case.name}"
        results.append(twin)
    for result in results:
        result.load_average = load
    return results


def _call(fn: Callable[[], object] | None) -> None:
    if fn is not None:
        fn()


def _result(
    case: Case,
    module: str,
    name: str,
    unit: str,
    values: Mapping[str, list[float]],
    orders: list[str],
    *,
    limit: bool = True,
) -> Result:
    ours, base = values["ours"], values["baseline"]
    if any(b <= 0 for b in base):
        raise ZeroDivisionError(f"{name}: the baseline measured {min(base)} {unit}")
    ratios = [o / b for o, b in zip(ours, base, strict=True)]
    ratio = statistics.median(ratios)
    ours_median = statistics.median(ours)
    ours_limit = case.ours_limit if limit else None
    met = None if case.target is None else ratio <= case.target
    if ours_limit is not None:
        met = (met is not False) and ours_median <= ours_limit
    return Result(
        name=name,
        module=module,
        status="ok",
        baseline_is=case.baseline_is,
        unit=unit,
        ours=ours_median,
        baseline=statistics.median(base),
        ratio=ratio,
        rounds=len(ratios),
        per_round={"ours": list(ours), "baseline": list(base), "ratio": ratios, "order": orders},
        target=case.target,
        target_met=met,
        ours_limit=ours_limit,
        params=dict(case.params),
        note=case.note,
    )


# ------------------------------------------------------------------ running groups


def run_groups(
    groups: Iterable[tuple[str, Group]],
    run: Run,
    out: TextIO | None = None,
    *,
    measure_fn: Callable[..., list[Result]] = measure,
) -> list[Result]:
    """Run the wanted cases of every ``(module, group)``; print one line per case.

    A group raising :class:`PeerMissing` marks its remaining wanted cases skipped; any
    other exception from the group marks them failed; a case raising is failed alone.
    """
    stream = out if out is not None else sys.stdout
    results: list[Result] = []
    for module, group in groups:
        wanted = [n for n in group.names if run.wants(n, module)]
        if not wanted:
            continue
        done: set[str] = set()

        def record(result: Result, done: set[str] = done) -> None:
            done.add(result.name)
            results.append(result)
            print(format_line(result), file=stream, flush=True)

        try:
            for item in group.cases(run):
                names = [item.name]
                if isinstance(item, Case) and item.cpu_name:
                    names.append(item.cpu_name)
                names = [n for n in names if n in wanted and n not in done]
                if not names:
                    continue
                if isinstance(item, Skip):
                    record(Result(item.name, module, "skipped", message=item.reason))
                    continue
                try:
                    for result in measure_fn(item, run.rounds, module):
                        if result.name in names:
                            record(result)
                except Exception as exc:  # noqa: BLE001 - recorded, the run goes on
                    for name in names:
                        record(_failed(name, module, exc, item.baseline_is))
        except PeerMissing as exc:
            for name in wanted:
                if name not in done:
                    record(Result(name, module, "skipped", message=str(exc)))
        except Exception as exc:  # noqa: BLE001 - recorded, the run goes on
            for name in wanted:
                if name not in done:
                    record(_failed(name, module, exc))
        for name in wanted:
            if name not in done:
                record(Result(name, module, "failed", message="the group did not run it"))
    return results


def _failed(name: str, module: str, exc: BaseException, baseline_is: str = "") -> Result:
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" (at {Path(where.filename).name}:{where.lineno})" if where else ""
    message = f"{type(exc).__name__}: {exc}{at}"
    return Result(name, module, "failed", baseline_is=baseline_is, message=message)


# ------------------------------------------------------------------ output


NAME_WIDTH = 34


def format_value(value: float | None, unit: str) -> str:
    """A value with its unit; seconds are shown in s, ms or µs as fits."""
    if value is None:
        return "-"
    if unit == TIME_UNIT or unit.startswith("s "):
        suffix = unit[1:]
        if value >= 1:
            return f"{value:.3f} s{suffix}"
        if value >= 1e-3:
            return f"{value * 1e3:.3f} ms{suffix}"
        return f"{value * 1e6:.2f} µs{suffix}"
    return f"{value:.4g} {unit}"


def format_line(result: Result) -> str:
    """The one line printed for *result*."""
    if result.status == "skipped":
        return f"{result.name:{NAME_WIDTH}s}  skipped: {result.message}"
    if result.status == "failed":
        return f"{result.name:{NAME_WIDTH}s}  FAILED: {result.message}"
    ours = format_value(result.ours, result.unit)
    base = format_value(result.baseline, result.unit)
    ratio = "-" if result.ratio is None else f"{result.ratio:.3f}"
    return f"{result.name:{NAME_WIDTH}s}  {ours:>16s}  {base:>16s}  {ratio:>7s}"


def header() -> str:
    """The header line printed before the cases."""
    columns = f"# {'name':{NAME_WIDTH - 2}s}  {'ours':>16s}  {'baseline':>16s}  {'ratio':>7s}"
    return f"{columns}\n# {RATIO_RULE}"


# ------------------------------------------------------------------ JSON and markdown


def machine() -> dict[str, Any]:
    """CPU model, cores, RAM, OS, Python and the load average of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                cpu = text.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    with contextlib.suppress(ValueError, OSError, AttributeError):
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    os_name = platform.platform()
    try:
        for text in Path("/etc/os-release").read_text().splitlines():
            if text.startswith("PRETTY_NAME="):
                os_name = f"{text.split('=', 1)[1].strip(chr(34))} ({platform.platform()})"
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": None if ram is None else round(ram, 1),
        "os": os_name,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "load_average": [round(x, 2) for x in os.getloadavg()]
        if hasattr(os, "getloadavg")
        else None,
    }


def git_commit(root: Path) -> str | None:
    """The checked-out commit of *root* (``+dirty`` when the tree has changes), if any."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


def report(
    results: Sequence[Result],
    run: Run,
    *,
    started: dt.datetime,
    finished: dt.datetime,
    commit: str | None,
    notes: Sequence[str] = (),
    machine_info: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON document of a run."""
    return {
        "format": 1,
        "ratio": RATIO_RULE,
        "date_utc": started.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "finished_utc": finished.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "machine": dict(machine_info) if machine_info is not None else machine(),
        "load_average_end": [round(x, 2) for x in os.getloadavg()]
        if hasattr(os, "getloadavg")
        else None,
        "rounds": run.rounds,
        "scale": run.scale,
        "selectors": list(run.selectors),
        "notes": list(notes),
        "cases": [r.as_json() for r in results],
    }


def write_json(data: Mapping[str, Any], path: Path) -> None:
    """Write *data* to *path* (NaN and infinity are not JSON: stored as null)."""

    def clean(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(clean(data), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(data: Mapping[str, Any]) -> str:
    """``RESULTS.md`` from the JSON document of a run."""
    m = data.get("machine", {})
    load = m.get("load_average")
    lines = [
        "# Benchmark results",
        "",
        "Generated by `python -m benchmarks --json benchmarks/results.json --markdown "
        "benchmarks/RESULTS.md` (`nox -s bench`) from `results.json`; do not edit by hand.",
        "",
        f"- Date (UTC): {data.get('date_utc')} – {data.get('finished_utc')}",
        f"- Commit: `{data.get('commit')}`",
        f"- Machine: {m.get('cpu')}, {m.get('cores')} cores, {m.get('ram_gib')} GiB RAM; "
        f"{m.get('os')}; {m.get('python')}",
        f"- Load average (1, 5, 15 min) at start: {load}, at the end: "
        f"{data.get('load_average_end')}",
        f"- Rounds: {data.get('rounds')} per case, scale {data.get('scale')}",
        "",
        f"**{data.get('ratio', RATIO_RULE)}.** A target is met when the ratio is at or "
        "below it (and ours within its absolute bound, where one is named).",
        "",
        "| case | ours | baseline | ratio | target | baseline is |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for case in data.get("cases", []):
        name = f"`{case['name']}`"
        if case["status"] != "ok":
            word = "skipped" if case["status"] == "skipped" else "**failed**"
            lines.append(f"| {name} | {word} | | | | {_cell(case.get('message', ''))} |")
            continue
        target, limit = case.get("target"), case.get("ours_limit")
        parts = [] if target is None else [f"≤ {target:.3g}"]
        if limit is not None:
            parts.append(f"ours ≤ {format_value(limit, case['unit'])}")
        target_text = " and ".join(parts) or "–"
        if parts:
            target_text += " ✓" if case.get("target_met") else " ✗ missed"
        lines.append(
            f"| {name} | {format_value(case['ours'], case['unit'])} "
            f"| {format_value(case['baseline'], case['unit'])} | {case['ratio']:.3f} "
            f"| {target_text} | {_cell(case.get('baseline_is', ''))} |"
        )
    lines += ["", "## Notes", ""]
    lines += [f"- {_cell(n)}" for n in data.get("notes", [])]
    lines.append(
        "- Each round runs both sides, alternating which goes first; the ratio is the median "
        "of the per-round ratios, so one disturbed round does not move it. All per-round "
        "values are in `results.json`."
    )
    for case in data.get("cases", []):
        if case.get("note"):
            lines.append(f"- `{case['name']}`: {_cell(case['note'])}")
    return "\n".join(lines) + "\n"
