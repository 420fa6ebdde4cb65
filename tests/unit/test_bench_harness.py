"""The benchmark harness (benchmarks/_harness.py, issue 8): real harness code, fake workloads.

Proven here: both sides run in every round, alternating which goes first; set-up and
tear-down are not timed; the reported ratio is the median of the per-round ``ours /
baseline`` ratios (not the ratio of the medians); ``inner`` divides the time per call;
fewer than five rounds are refused; non-time metrics use the same line; a CPU-time twin
comes from the same runs; a missing peer is recorded as skipped, a raising case (or group)
as failed while the run goes on; the JSON has the machine, commit, date and every
per-round value; RESULTS.md is rendered from the JSON; the command line exits non-zero
when a case failed.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from benchmarks import __main__ as bench_main
from benchmarks import _harness as h


class FakeClock:
    """A clock that only moves when a fake workload (or set-up) advances it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def work(self, durations: list[float], log: list[str], name: str) -> Callable[[], None]:
        it = iter(durations)

        def run() -> None:
            log.append(name)
            self.now += next(it)

        return run


def _measure(case: h.Case, rounds: int = 5, clock: FakeClock | None = None) -> list[h.Result]:
    clock = clock or FakeClock()
    return h.measure(case, rounds, "fake", clock=clock, cpu_clock=clock)


def test_sides_alternate_and_which_goes_first_alternates_per_round() -> None:
    clock, log = FakeClock(), list[str]()
    case = h.Case(
        "alt",
        "fake",
        clock.work([1.0] * 6, log, "ours"),
        clock.work([1.0] * 6, log, "baseline"),
    )
    (result,) = _measure(case, rounds=6, clock=clock)
    assert log == [
        *("ours", "baseline"),
        *("baseline", "ours"),
        *("ours", "baseline"),
        *("baseline", "ours"),
        *("ours", "baseline"),
        *("baseline", "ours"),
    ]
    assert result.per_round["order"] == ["ours-baseline", "baseline-ours"] * 3
    assert result.rounds == 6


def test_ratio_is_the_median_of_per_round_ratios_not_the_ratio_of_medians() -> None:
    clock, log = FakeClock(), list[str]()
    ours = [1.0, 2.0, 3.0, 4.0, 5.0]
    base = [1.0, 4.0, 1.0, 4.0, 1.0]
    case = h.Case("med", "fake", clock.work(ours, log, "o"), clock.work(base, log, "b"))
    (result,) = _measure(case, clock=clock)
    assert result.per_round["ours"] == ours
    assert result.per_round["baseline"] == base
    assert result.per_round["ratio"] == [1.0, 0.5, 3.0, 1.0, 5.0]
    assert result.ratio == 1.0  # the ratio of the medians would be 3.0
    assert (result.ours, result.baseline) == (3.0, 1.0)
    assert result.status == "ok"
    assert result.unit == "s"


def test_setup_and_teardown_run_around_each_side_and_are_not_timed() -> None:
    clock, log = FakeClock(), list[str]()

    def setup() -> None:
        log.append("setup")
        clock.now += 100.0

    def teardown() -> None:
        log.append("teardown")
        clock.now += 1000.0

    case = h.Case(
        "setup",
        "fake",
        clock.work([2.0] * 5, log, "ours"),
        clock.work([4.0] * 5, log, "baseline"),
        setup=setup,
        teardown=teardown,
    )
    (result,) = _measure(case, clock=clock)
    assert log[:6] == ["setup", "ours", "teardown", "setup", "baseline", "teardown"]
    assert log.count("setup") == log.count("teardown") == 10
    assert result.per_round["ours"] == [2.0] * 5
    assert result.per_round["baseline"] == [4.0] * 5
    assert result.ratio == 0.5


def test_inner_calls_give_the_time_per_call_and_warmup_is_not_recorded() -> None:
    clock, log = FakeClock(), list[str]()
    case = h.Case(
        "inner",
        "fake",
        clock.work([9.0, 9.0] + [1.0] * 20, log, "ours"),  # two warm-up calls, then 5 x 4
        clock.work([9.0, 9.0] + [2.0] * 20, log, "baseline"),
        inner=4,
        warmup=2,
    )
    (result,) = _measure(case, clock=clock)
    assert log.count("ours") == 22
    assert result.per_round["ours"] == [1.0] * 5
    assert result.per_round["baseline"] == [2.0] * 5
    assert result.ratio == 0.5


def test_fewer_than_five_rounds_are_refused() -> None:
    case = h.Case("few", "fake", lambda: None, lambda: None)
    with pytest.raises(ValueError, match="at least 5 rounds"):
        h.measure(case, 4)
    with pytest.raises(SystemExit):
        bench_main.main(["--rounds", "4", "--list"])


def test_a_value_metric_uses_the_returned_numbers_and_the_same_line_format() -> None:
    ours = iter([30.0, 32.0, 31.0, 29.0, 30.0])
    case = h.Case("rss", "fake", lambda: next(ours), lambda: 20.0, unit="MiB", target=1.2)
    (result,) = _measure(case)
    assert result.unit == "MiB"
    assert result.ours == 30.0
    assert result.ratio == 1.5
    assert result.target_met is False
    line = h.format_line(result)
    assert re.fullmatch(r"rss\s+30 MiB\s+20 MiB\s+1\.500", line), line


def test_a_value_metric_returning_no_number_is_an_error() -> None:
    case = h.Case("bad", "fake", lambda: "thirty", lambda: 20.0, unit="MiB")
    with pytest.raises(TypeError, match="not a number"):
        _measure(case)


def test_the_cpu_twin_comes_from_the_same_runs() -> None:
    wall, log = FakeClock(), list[str]()
    cpu = FakeClock()

    def side(seconds: float, cpu_seconds: float) -> Callable[[], None]:
        def run() -> None:
            log.append("run")
            wall.now += seconds
            cpu.now += cpu_seconds

        return run

    case = h.Case("exp", "fake", side(2.0, 1.0), side(4.0, 1.0), cpu_name="exp_cpu")
    main, twin = h.measure(case, 5, clock=wall, cpu_clock=cpu)
    assert len(log) == 10  # the twin ran nothing of its own
    assert (main.name, main.ratio) == ("exp", 0.5)
    assert (twin.name, twin.ratio, twin.unit) == ("exp_cpu", 1.0, "s (CPU)")


def test_the_target_is_met_at_or_below_it() -> None:
    clock, log = FakeClock(), list[str]()
    case = h.Case(
        "t", "fake", clock.work([1.1] * 5, log, "o"), clock.work([1.0] * 5, log, "b"), target=1.1
    )
    (result,) = _measure(case, clock=clock)
    assert result.target_met is True


# ------------------------------------------------------------------ run_groups


def _groups(calls: list[str]) -> list[tuple[str, h.Group]]:
    def fine(run: h.Run) -> Iterator[h.Case | h.Skip]:
        yield h.Case("a_fast", "fake", lambda: calls.append("a"), lambda: calls.append("a0"))
        yield h.Skip("a_skipped", "no such peer here")

        def boom() -> None:
            raise RuntimeError("the workload broke")

        yield h.Case("a_broken", "fake", boom, lambda: None)
        yield h.Case("a_after", "fake", lambda: calls.append("after"), lambda: None)

    def peerless(run: h.Run) -> Iterator[h.Case]:
        if run.rounds:
            raise h.PeerMissing("sshd is missing")
        yield from ()

    def crashing(run: h.Run) -> Iterator[h.Case]:
        yield h.Case("c_first", "fake", lambda: None, lambda: None)
        raise OSError("server did not come up")

    def forgetful(run: h.Run) -> Iterator[h.Case]:
        yield from ()

    return [
        ("mod_a", h.Group(("a_fast", "a_skipped", "a_broken", "a_after"), fine)),
        ("mod_b", h.Group(("b_one", "b_two"), peerless)),
        ("mod_c", h.Group(("c_first", "c_second"), crashing)),
        ("mod_d", h.Group(("d_listed",), forgetful)),
    ]


def _fast_measure(case: h.Case, rounds: int, module: str = "") -> list[h.Result]:
    return h.measure(case, rounds, module, clock=_ticker(), cpu_clock=_ticker())


def _ticker() -> Callable[[], float]:
    ticks = iter(range(1, 10_000))
    return lambda: float(next(ticks))


def test_skipped_and_failed_cases_are_recorded_and_the_run_goes_on() -> None:
    calls: list[str] = []
    out = io.StringIO()
    results = h.run_groups(_groups(calls), h.Run(), out, measure_fn=_fast_measure)
    status = {r.name: r.status for r in results}
    assert status == {
        "a_fast": "ok",
        "a_skipped": "skipped",
        "a_broken": "failed",
        "a_after": "ok",
        "b_one": "skipped",
        "b_two": "skipped",
        "c_first": "ok",
        "c_second": "failed",
        "d_listed": "failed",
    }
    by_name = {r.name: r for r in results}
    assert "RuntimeError: the workload broke" in by_name["a_broken"].message
    assert by_name["b_two"].message == "sshd is missing"
    assert "OSError: server did not come up" in by_name["c_second"].message
    assert "after" in calls
    lines = out.getvalue().splitlines()
    assert len(lines) == len(results)  # exactly one line per case
    assert re.fullmatch(r"a_fast\s+\S+ \S*s\s+\S+ \S*s\s+\d+\.\d{3}", lines[0]), lines[0]
    assert re.fullmatch(r"a_skipped\s+skipped: no such peer here", lines[1])
    assert lines[2].startswith("a_broken") and "FAILED: RuntimeError" in lines[2]


def test_selection_by_case_pattern_or_module_runs_only_those() -> None:
    calls: list[str] = []
    results = h.run_groups(
        _groups(calls),
        h.Run(selectors=("a_f*", "mod_c")),
        io.StringIO(),
        measure_fn=_fast_measure,
    )
    assert [r.name for r in results] == ["a_fast", "c_first", "c_second"]
    assert "after" not in calls


# ------------------------------------------------------------------ JSON, markdown, CLI


def _document(results: list[h.Result]) -> dict[str, Any]:
    when = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
    data = h.report(results, h.Run(), started=when, finished=when, commit="abc123")
    loaded: dict[str, Any] = json.loads(json.dumps(data))
    return loaded


def test_the_json_has_machine_commit_date_and_every_per_round_value(tmp_path: Path) -> None:
    calls: list[str] = []
    results = h.run_groups(_groups(calls), h.Run(), io.StringIO(), measure_fn=_fast_measure)
    data = h.report(
        results,
        h.Run(),
        started=dt.datetime.now(dt.UTC),
        finished=dt.datetime.now(dt.UTC),
        commit=h.git_commit(Path(__file__).parents[2]),
        notes=["box loaded by other sessions"],
    )
    path = tmp_path / "r.json"
    h.write_json(data, path)
    loaded = json.loads(path.read_text(encoding="utf-8"))
    assert set(loaded["machine"]) >= {"cpu", "cores", "ram_gib", "os", "python"}
    assert loaded["machine"]["cores"] >= 1
    assert re.fullmatch(r"[0-9a-f]{40}(\+dirty)?", loaded["commit"])
    assert loaded["date_utc"].endswith("+00:00")
    assert loaded["rounds"] == 5
    assert loaded["notes"] == ["box loaded by other sessions"]
    assert "ours / baseline" in loaded["ratio"]
    case = next(c for c in loaded["cases"] if c["name"] == "a_fast")
    assert set(case) >= {"name", "ours", "baseline", "ratio", "unit", "rounds", "target"}
    assert case["unit"] == "s"
    assert len(case["per_round"]["ours"]) == len(case["per_round"]["ratio"]) == 5
    skipped = next(c for c in loaded["cases"] if c["name"] == "a_skipped")
    assert (skipped["status"], skipped["message"]) == ("skipped", "no such peer here")
    assert skipped["ratio"] is None


def test_non_finite_values_are_stored_as_null(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    h.write_json({"x": float("inf"), "y": [float("nan"), 1.0]}, path)
    assert json.loads(path.read_text()) == {"x": None, "y": [None, 1.0]}


def test_results_md_is_rendered_from_the_json() -> None:
    clock, log = FakeClock(), list[str]()
    ok = _measure(
        h.Case(
            "fast_one",
            "bare | loop",
            clock.work([1.0] * 5, log, "o"),
            clock.work([2.0] * 5, log, "b"),
            target=1.1,
            note="a short note",
        ),
        clock=clock,
    )
    missed = _measure(h.Case("slow_one", "b", lambda: 3.0, lambda: 1.0, unit="MiB", target=1.0))
    results = [
        *ok,
        *missed,
        h.Result("gone", "m", "skipped", message="no sshd"),
        h.Result("broke", "m", "failed", message="RuntimeError: x"),
    ]
    text = h.render_markdown(_document(results))
    assert "| case | ours | baseline | ratio | target | baseline is |" in text
    assert "| `fast_one` | 1.000 s | 2.000 s | 0.500 | ≤ 1.1 ✓ | bare \\| loop |" in text
    assert "| `slow_one` | 3 MiB | 1 MiB | 3.000 | ≤ 1 ✗ missed | b |" in text
    assert "| `gone` | skipped |" in text and "no sshd" in text
    assert "| `broke` | **failed** |" in text
    assert "abc123" in text
    assert "- `fast_one`: a short note" in text


def test_the_command_line_writes_json_and_markdown_and_fails_on_a_failed_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(bench_main, "groups", lambda: _groups(calls))
    monkeypatch.setattr(bench_main, "modules", lambda: ["mod_a", "mod_b", "mod_c", "mod_d"])
    json_path, md_path = tmp_path / "r.json", tmp_path / "R.md"
    args = ["--json", str(json_path), "--markdown", str(md_path), "--note", "loaded box"]
    assert bench_main.main([*args, "a_fast"]) == 0
    data = json.loads(json_path.read_text())
    assert data["cases"][0]["name"] == "a_fast"
    assert data["cases"][0]["load_average_1min"] >= 0
    assert len(data["machine"]["load_average"]) == len(data["load_average_end"]) == 3
    assert "loaded box" in md_path.read_text()
    assert bench_main.main([*args, "mod_a"]) == 1  # a_broken failed
    out = capsys.readouterr().out
    assert "ratio = ours / baseline" in out
    with pytest.raises(SystemExit):
        bench_main.main([*args, "no_such_case"])


def test_an_absolute_limit_on_ours_is_part_of_the_target() -> None:
    clock, log = FakeClock(), list[str]()
    case = h.Case(
        "startup",
        "fake",
        clock.work([0.002] * 5, log, "o"),
        clock.work([0.001] * 5, log, "b"),
        ours_limit=1e-3,
    )
    (result,) = _measure(case, clock=clock)
    assert result.ratio == pytest.approx(2.0)
    assert result.target_met is False
    text = h.render_markdown(_document([result]))
    assert "| ours ≤ 1.000 ms ✗ missed |" in text


def test_the_cpu_twin_keeps_the_ratio_target_but_not_the_absolute_limit() -> None:
    clock, log = FakeClock(), list[str]()
    case = h.Case(
        "x",
        "fake",
        clock.work([1.0] * 5, log, "o"),
        clock.work([1.0] * 5, log, "b"),
        target=1.1,
        ours_limit=0.5,
        cpu_name="x_cpu",
    )
    main, twin = _measure(case, clock=clock)
    assert (main.target_met, main.ours_limit) == (False, 0.5)
    assert (twin.target_met, twin.ours_limit) == (True, None)
    assert "same runs as x" in twin.note


def test_a_module_that_cannot_be_imported_is_one_skipped_line() -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bench_main, "modules", lambda: ["no_such_module"])
        every = bench_main.groups()
        out = io.StringIO()
        (result,) = h.run_groups(every, h.Run(), out)
    assert (result.name, result.status) == ("no_such_module", "skipped")
    assert out.getvalue().startswith("no_such_module")
    assert "skipped: cannot import" in out.getvalue()
