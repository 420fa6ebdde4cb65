"""Run the benchmark cases: ``python -m benchmarks [options] [case or module names...]``.

Names may be case names, glob patterns of case names (``'sftp_*'``) or module names
(``delivery``); none means all. Prints one line per case, writes the JSON (``--json``)
and, with ``--markdown``, RESULTS.md from it. The exit code is 1 when a case failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import pkgutil
import sys
from collections.abc import Callable, Iterator, Sequence
from fnmatch import fnmatchcase
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the cases reuse the peers of tests/plugins
    sys.path.insert(0, str(ROOT))

from benchmarks import _harness as h  # noqa: E402


def modules() -> list[str]:
    """The benchmark modules of this package, by name."""
    return sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if not m.name.startswith("_")
    )


def groups() -> list[tuple[str, h.Group]]:
    """Every ``(module, group)`` of every benchmark module."""
    found = []
    for name in modules():
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ImportError as exc:  # an extra is not installed: the module's line says so
            found.append((name, h.Group((name,), _unimportable(f"cannot import: {exc}"))))
            continue
        found += [(name, group) for group in module.GROUPS]
    return found


def _unimportable(reason: str) -> Callable[[h.Run], Iterator[h.Case]]:
    def cases(run: h.Run) -> Iterator[h.Case]:
        raise h.PeerMissing(reason)

    return cases


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, run the cases, write the reports; the exit code."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help="cases, glob patterns or modules (default: all)")
    parser.add_argument("--rounds", type=int, default=h.MIN_ROUNDS, help="rounds per case (>= 5)")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results.json")
    parser.add_argument("--markdown", type=Path, help="write RESULTS.md from the JSON here")
    parser.add_argument("--scale", type=float, default=1.0, help="sizes times F (0.01: smoke)")
    parser.add_argument("--note", action="append", default=[], help="a note for RESULTS.md")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    args = parser.parse_args(argv)
    if args.rounds < h.MIN_ROUNDS:
        parser.error(f"--rounds must be at least {h.MIN_ROUNDS}")
    if args.scale <= 0:
        parser.error("--scale must be positive")
    every = groups()
    cases = [n for _, g in every for n in g.names]
    unknown = [
        s for s in args.names if s not in modules() and not any(fnmatchcase(n, s) for n in cases)
    ]
    if unknown:
        parser.error(f"no such case or module: {', '.join(unknown)}")
    run = h.Run(rounds=args.rounds, scale=args.scale, selectors=tuple(args.names))
    if args.list:
        for module, group in every:
            for name in group.names:
                if run.wants(name, module):
                    print(f"{name}  ({module})")
        return 0
    print(h.header(), flush=True)
    started = dt.datetime.now(dt.UTC)
    commit = h.git_commit(ROOT)  # before the run writes its results
    machine = h.machine()  # with the load average at the start
    results = h.run_groups(every, run)
    data = h.report(
        results,
        run,
        started=started,
        finished=dt.datetime.now(dt.UTC),
        commit=commit,
        notes=args.note,
        machine_info=machine,
    )
    h.write_json(data, args.json)
    if args.markdown is not None:
        args.markdown.write_text(h.render_markdown(data), encoding="utf-8")
    failed = [r.name for r in results if r.status == "failed"]
    skipped = [r.name for r in results if r.status == "skipped"]
    print(
        f"# {len(results)} cases: {len(failed)} failed, {len(skipped)} skipped; JSON: {args.json}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
