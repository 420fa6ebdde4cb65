"""The chain simulation (issue 13): 1,500 workstation program starts against one PostgreSQL
through PgBouncer, against the same starts each on its own SQLite file.

Every start is a real process, ``amparex --config WS.toml startup``, run in waves: at most
``AMPAREX_BENCH_CHAIN_WAVE`` (8) at a time on this machine. The workstations are a chain's
mix (by their number in the round, the same on both sides):

* 80 % **nothing to do** — the second start of the day: the day's four Loyalty Lab files
  exist and the ledger says they were uploaded;
* 15 % **first start of the day** — four statistics run, four files are written and
  uploaded;
* 5 % **a week of files in the outbox** — the first start after a week away: 28 older
  files wait besides the day's four (so every statement runs far more than the five times
  after which psycopg would prepare it).

Uploads go to a local folder (``[loyalty_lab.upload] kind = "folder"``). Ours: one
PostgreSQL (a private durable cluster, fsync on) behind PgBouncer 1.18 in transaction
pooling mode (``default_pool_size`` :data:`POOL`), every workstation's store and statistics
on it. Baseline: each workstation on its own SQLite file (WAL, ``synchronous=FULL``). The
1,500 starts of a side are spread over the rounds (300 per side and round with 5 rounds).

Cases (one line each):

``chain_1500_starts``
    wall time of a round's starts, ours / baseline: the throughput ratio is 1 / ratio
    (target: throughput at least 0.8 of the SQLite starts, i.e. ratio ≤ 1.25). The case
    fails when a start failed or PostgreSQL ever had more server connections for the
    chain than the PgBouncer pool (target 0 failures, peak ≤ pool).
``chain_1500_cpu_per_start``
    mean CPU seconds (user + system, of the start's process) per start, per round.
``chain_1500_p99_start``
    the 99th percentile of a start's wall time, per round.

The failures, the peak of server connections, p50 and p99 and the mix are written to
stderr at the end (``# chain: …``) and into the case's ``params`` in ``results.json``.
Run: ``python -m benchmarks chain`` (``--scale 0.2``: 300 starts per side).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from amparex_adapters.delivery.folder import FolderDelivery
from amparex_adapters.exports.folder import FolderExportTarget
from amparex_adapters.masterdata.sql import SqlMasterData
from amparex_adapters.storage.sql import SqlStorage
from amparex_adapters.storage.sqlite import SqliteStorage
from amparex_core.domain.interfaces import InterfaceKind, LoyaltyLabSettings
from amparex_core.domain.masterdata import Branch, Customer, FileFormat, StatisticTemplate
from amparex_core.domain.statistics import StatisticKind
from amparex_core.services import InterfaceService
from benchmarks._harness import Case, Group, PeerMissing, Run

STARTS = 1_500
POOL = 8
WAVE = int(os.environ.get("AMPAREX_BENCH_CHAIN_WAVE", "8"))
TZ = ZoneInfo("Europe/Berlin")
BACKLOG_DAYS = 7
SLOTS: dict[StatisticKind, str] = {
    StatisticKind.CUSTOMERS: "ST-CUSTOMERS",
    StatisticKind.GLASSES: "ST-GLASSES",
    StatisticKind.CONTACT_LENSES: "ST-LENSES",
    StatisticKind.HEARING_AIDS: "ST-AIDS",
}
MASTER: tuple[Branch | Customer | StatisticTemplate, ...] = (
    Branch("F01", "Optik Muster Stuttgart"),
    *(Customer(f"K{n}", "Erika", f"Muster{n}") for n in range(1, 21)),
    StatisticTemplate("ST-CUSTOMERS", "Kunden", FileFormat.CSV, "SELECT id FROM md_customers"),
    StatisticTemplate("ST-GLASSES", "Brillen", FileFormat.CSV, "SELECT 'K1' AS k, 129.5 AS b"),
    StatisticTemplate("ST-LENSES", "Linsen", FileFormat.CSV, "SELECT 'K2' AS k, 'Monat' AS p"),
    StatisticTemplate("ST-AIDS", "Hörgeräte", FileFormat.CSV, "SELECT 'K3' AS k, 'RIC' AS m"),
)
CONFIG = """\
[storage]
{storage}

[chain]
name = "Optik Muster"
time_zone = "Europe/Berlin"

[workstation]
name = "{name}"
branch = "F01"

[loyalty_lab.upload]
kind = "folder"
folder = "{server}"
"""


def kind_of(index: int) -> str:
    """The workstation mix by number: 1 in 20 a week away, 3 in 20 first of the day."""
    if index % 20 == 0:
        return "backlog"
    if index % 20 in (1, 2, 3):
        return "first"
    return "idle"


@dataclass
class Side:
    """What one side's round prepared, ran and measured."""

    folder: Path
    configs: list[Path]
    drop: Callable[[], None] = lambda: None
    database: str = ""
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def _prepare_workstations(
    store: SqlStorage, folder: Path, workstations: list[tuple[int, str]]
) -> Path:
    """Configure Loyalty Lab on the ``(number, name)`` *workstations* in *store*; fill
    their outboxes by their kind (:func:`kind_of` their number)."""
    server = folder / "server"
    server.mkdir(exist_ok=True)
    destination = FolderDelivery(server).destination
    exports = FolderExportTarget()
    interfaces = InterfaceService(store)
    now = dt.datetime.now(TZ)
    today = now.date()
    for index, name in workstations:
        outbox = folder / "outbox" / name
        outbox.mkdir(parents=True)
        slots: dict[StatisticKind | str, str | None] = {k: v for k, v in SLOTS.items()}  # noqa: C416
        settings = LoyaltyLabSettings(customer_number=name, directory=str(outbox), statistics=slots)
        interfaces.configure(InterfaceKind.LOYALTY_LAB, settings, workstation=name)
        kind = kind_of(index)
        days = [today] if kind == "idle" else []
        if kind == "backlog":
            days = [today - dt.timedelta(days=d) for d in range(1, BACKLOG_DAYS + 1)]
        for day in days:
            for statistic in SLOTS:
                file = settings.file_name(statistic, day)
                (outbox / file).write_text("k\nK1\n", encoding="utf-8")
                if kind == "idle":  # uploaded at the day's first start
                    facts = exports.facts(str(outbox), file)
                    lease = dt.timedelta(minutes=1)
                    store.claim_upload(destination, file, facts, now=now, lease=lease)
                    store.complete_upload(destination, file, receipt=file, now=now)
    return server


def _config(folder: Path, name: str, storage: str, server: Path) -> Path:
    path = folder / f"{name}.toml"
    text = CONFIG.format(storage=storage, name=name, server=server)
    path.write_text(text, encoding="utf-8")
    return path


#: The starts' environment: byte-compiled modules, as an installation has them (a test
#: environment may set PYTHONDONTWRITEBYTECODE, and every start would compile the library).
START_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _start(config: Path) -> tuple[float, float, str | None]:
    """Run ``amparex startup`` for one workstation: wall and CPU seconds, error or None."""
    err = config.with_suffix(".err")
    started = time.perf_counter()
    with err.open("wb") as stderr:
        child = subprocess.Popen(
            [sys.executable, "-m", "amparex_adapters.cli", "--config", str(config), "startup"],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env=START_ENV,
        )
        _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    cpu = usage.ru_utime + usage.ru_stime
    if child.returncode != 0:
        return wall, cpu, err.read_text(encoding="utf-8", errors="replace").strip()[-500:]
    return wall, cpu, None


Runner = Callable[[list[Path]], list[tuple[float, float, str | None]]]
"""Runs the starts of a side's configurations, at most :data:`WAVE` at a time."""


def cold_starts(configs: list[Path]) -> list[tuple[float, float, str | None]]:
    """Each start a new process, ``amparex startup`` (imports, opens the store, runs)."""
    with ThreadPoolExecutor(max(1, min(WAVE, len(configs)))) as pool:
        return list(pool.map(_start, configs))


_WORKER = """
import json, sys, time
sys.path.insert(0, {root!r})
import amparex_adapters.storage.postgres, amparex_adapters.storage.sqlite, psycopg, psycopg_pool
from amparex_adapters.cli.compose import Composition
from amparex_adapters.cli.config import Secrets, load_config
print("ready", flush=True)
for line in sys.stdin:
    started, used, error = time.perf_counter(), time.process_time(), None
    try:
        config = load_config(line.strip())
        app = Composition(config, Secrets(config))
        try:
            report = app.program_start.run(branch=app.branch, workstation=app.workstation)
            if report.failed:
                error = "; ".join(f"[{{e.code}}] {{e}}" for e in report.errors)
        finally:
            app.close()
    except Exception as exc:
        error = f"{{type(exc).__name__}}: {{exc}}"
    wall, cpu = time.perf_counter() - started, time.process_time() - used
    print(json.dumps([wall, cpu, error]), flush=True)
"""


class WarmPool:
    """:data:`WAVE` long-running processes, each running one start after the other with the
    ProgramStart service (as the command composes it): the library is imported once per
    process, every start opens its own store and closes it."""

    def __init__(self) -> None:
        code = _WORKER.format(root=str(Path(__file__).resolve().parent.parent))
        self._workers = [
            subprocess.Popen(
                [sys.executable, "-c", code],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env=START_ENV,
            )
            for _ in range(WAVE)
        ]
        for worker in self._workers:
            assert worker.stdout is not None
            if worker.stdout.readline().strip() != "ready":
                raise RuntimeError("a warm worker did not start")

    def run(self, configs: list[Path]) -> list[tuple[float, float, str | None]]:
        """Run the starts of *configs*, each worker taking the next one when it is done."""
        import json
        import queue

        pending: queue.Queue[tuple[int, Path]] = queue.Queue()
        for item in enumerate(configs):
            pending.put(item)
        results: list[tuple[float, float, str | None]] = [(0.0, 0.0, None)] * len(configs)

        def serve(worker: subprocess.Popen[str]) -> None:
            assert worker.stdin is not None
            assert worker.stdout is not None
            while True:
                try:
                    index, config = pending.get_nowait()
                except queue.Empty:
                    return
                worker.stdin.write(f"{config}\n")
                worker.stdin.flush()
                wall, cpu, error = json.loads(worker.stdout.readline())
                results[index] = (wall, cpu, error)

        threads = [threading.Thread(target=serve, args=(w,)) for w in self._workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results

    def close(self) -> None:
        """End the workers."""
        for worker in self._workers:
            assert worker.stdin is not None
            worker.stdin.close()
        for worker in self._workers:
            worker.wait(timeout=60)


class _Peak:
    """Polls the cluster's server connections of one database while the side runs."""

    def __init__(self, cluster: Any, database: str) -> None:
        self._cluster, self._database = cluster, database
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        with self._cluster.connect("postgres") as conn:
            while not self._stop.wait(0.02):
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s"
                    " AND backend_type = 'client backend'",
                    (self._database,),
                ).fetchone()
                self.peak = max(self.peak, int(row[0]))

    def __enter__(self) -> _Peak:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


class Simulation:
    """One PostgreSQL cluster behind PgBouncer and a SQLite template, for every case."""

    def __init__(self, run: Run, work: Path) -> None:
        from tests.plugins.pgbouncer import PgBouncer
        from tests.plugins.postgres import PgCluster, find_pg_bindir

        bindir = find_pg_bindir()
        if bindir is None:
            raise PeerMissing("no PostgreSQL binaries (apt-get install postgresql)")
        executable = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        if not os.access(executable, os.X_OK):
            raise PeerMissing("no pgbouncer (apt-get install pgbouncer)")
        self.per_round = max(1, math.ceil(run.scaled(STARTS) / run.rounds))
        self.names = [f"W{n:04d}" for n in range(self.per_round)]
        self.work = work
        self.cluster = PgCluster(bindir, durable=True)
        self.bouncer = PgBouncer(executable, self.cluster, pool_size=POOL)
        self._rounds = iter(range(10**9))

    def start(self) -> None:
        """Start PostgreSQL and PgBouncer; make the template databases (master data)."""
        from tests.plugins.postgres import upgrade

        from amparex_adapters.storage.postgres import PostgresStorage

        self.cluster.start()
        self.bouncer.start()
        with self.cluster.connect("postgres") as conn:
            conn.execute("CREATE DATABASE chain_template")
        upgrade(self.cluster.url("chain_template"))
        seed = PostgresStorage(self.cluster.url("chain_template"), min_size=0, max_size=1)
        SqlMasterData(seed).add(*MASTER)
        seed.close()
        self.sqlite_template = self.work / "template.sqlite"
        seed_file = SqliteStorage(self.sqlite_template)
        SqlMasterData(seed_file).add(*MASTER)
        seed_file.close()

    def stop(self) -> None:
        """Stop PgBouncer and PostgreSQL."""
        self.bouncer.stop()
        self.cluster.stop()

    def prepare_ours(self) -> Side:
        """A round's workstations on a new copy of the chain's database, through PgBouncer."""
        from amparex_adapters.storage.postgres import PostgresStorage

        number = next(self._rounds)
        folder = self.work / f"pg-{number}"
        folder.mkdir()
        database = f"chain_{number}"
        self.bouncer.create_database(database, "chain_template")
        store = PostgresStorage(self.cluster.url(database), min_size=0, max_size=1)
        try:
            server = _prepare_workstations(store, folder, list(enumerate(self.names)))
        finally:
            store.close()
        url = f'url = "{self.bouncer.url(database)}"'
        cluster = self.cluster

        def drop() -> None:
            with cluster.connect("postgres") as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")

        configs = [_config(folder, n, url, server) for n in self.names]
        return Side(folder, configs, drop, database=database)

    def prepare_baseline(self) -> Side:
        """A round's workstations, each on its own copy of a SQLite file."""
        folder = self.work / f"sqlite-{next(self._rounds)}"
        folder.mkdir()
        configs = []
        for index, name in enumerate(self.names):
            path = folder / f"{name}.sqlite"
            shutil.copyfile(self.sqlite_template, path)
            store = SqliteStorage(path)
            try:
                server = _prepare_workstations(store, folder, [(index, name)])
            finally:
                store.close()
            configs.append(_config(folder, name, f'path = "{path}"', server))
        return Side(folder, configs)

    def cases(self, prefix: str, runner: Runner, how: str) -> Iterator[Case]:
        """The three cases of one way of starting (*runner*), named ``PREFIX…``."""
        sides: dict[str, Side | None] = {"ours": None, "baseline": None}
        done: dict[str, list[Side]] = {"ours": [], "baseline": []}
        peaks: list[int] = []

        def setup() -> None:
            if sides["ours"] is None:
                sides["ours"] = self.prepare_ours()
            if sides["baseline"] is None:
                sides["baseline"] = self.prepare_baseline()

        def teardown() -> None:
            for key in ("ours", "baseline"):
                side = sides[key]
                if side is not None and side.wall:
                    side.drop()
                    shutil.rmtree(side.folder, ignore_errors=True)
                    done[key].append(side)
                    sides[key] = None

        def run_side(key: str) -> None:
            side = sides[key]
            assert side is not None
            for wall, cpu, error in runner(side.configs):
                side.wall.append(wall)
                side.cpu.append(cpu)
                if error is not None:
                    side.failures.append(error)

        def ours() -> None:
            side = sides["ours"]
            assert side is not None
            with _Peak(self.cluster, side.database) as peak:
                run_side("ours")
            peaks.append(peak.peak)

        params: dict[str, object] = {
            "starts_per_side_and_round": self.per_round,
            "how": how,
            "wave": WAVE,
            "pgbouncer_pool": POOL,
            "mix": "80% nothing to do, 15% first start of the day, 5% a week of files",
        }

        def check() -> None:
            figures = _figures(done, peaks)
            params.update(figures)
            print(f"# {prefix}: {figures}", file=sys.stderr, flush=True)
            said = [f for side in done["ours"] + done["baseline"] for f in side.failures]
            if said:
                raise AssertionError(f"{len(said)} starts failed; the first said: {said[0]}")
            if figures["peak_server_connections"] > POOL:
                raise AssertionError(
                    f"{figures['peak_server_connections']} server connections, pool {POOL}"
                )

        yield Case(
            f"{prefix}_starts",
            "the same starts, each workstation on its own SQLite file",
            ours,
            lambda: run_side("baseline"),
            setup=setup,
            teardown=teardown,
            target=1.25,
            check=check,
            params=params,
            note=f"{how}; throughput ratio = 1 / ratio (target ≥ 0.8); failures (must be "
            "0), peak server connections (≤ the pool), p50/p99 and CPU per start are in "
            "params",
        )
        yield _recorded(
            f"{prefix}_cpu_per_start",
            "CPU seconds per start on SQLite files",
            "s (CPU)",
            done,
            lambda side: statistics.fmean(side.cpu),
        )
        yield _recorded(
            f"{prefix}_p99_start",
            "p99 of a start's wall time on SQLite files",
            "s/start",
            done,
            lambda side: _percentile(side.wall, 0.99),
        )


def chain_cases(run: Run) -> Iterator[Case]:
    """The chain simulation: cold starts (processes), then warm ones (the service)."""
    work = Path(tempfile.mkdtemp(prefix="amparex-bench-chain-"))
    simulation = Simulation(run, work)
    try:
        simulation.start()
        yield from simulation.cases(
            "chain_1500", cold_starts, "each start a new process: amparex startup"
        )
        warm = WarmPool()
        try:
            yield from simulation.cases(
                "chain_1500_warm",
                warm.run,
                "the ProgramStart service in long-running processes; each start opens "
                "and closes its store",
            )
        finally:
            warm.close()
    finally:
        simulation.stop()
        shutil.rmtree(work, ignore_errors=True)


def _figures(done: dict[str, list[Side]], peaks: list[int]) -> dict[str, Any]:
    walls = {k: [w for s in sides for w in s.wall] for k, sides in done.items()}
    cpus = {k: [c for s in sides for c in s.cpu] for k, sides in done.items()}
    figures: dict[str, Any] = {
        "starts_ours": len(walls["ours"]),
        "starts_baseline": len(walls["baseline"]),
        "failures_ours": sum(len(s.failures) for s in done["ours"]),
        "failures_baseline": sum(len(s.failures) for s in done["baseline"]),
        "peak_server_connections": max(peaks, default=0),
    }
    for key in ("ours", "baseline"):
        if walls[key]:
            figures[f"p50_s_{key}"] = round(_percentile(walls[key], 0.5), 3)
            figures[f"p99_s_{key}"] = round(_percentile(walls[key], 0.99), 3)
            figures[f"cpu_s_per_start_{key}"] = round(statistics.fmean(cpus[key]), 3)
    return figures


def _recorded(
    name: str,
    baseline_is: str,
    unit: str,
    done: dict[str, list[Side]],
    value: Callable[[Side], float],
) -> Case:
    """A case whose sides give a figure of the rounds ``chain_1500_starts`` ran, in order."""
    taken: dict[str, Iterator[Side]] = {}

    def side(key: str) -> float:
        rounds = taken.setdefault(key, iter(done[key]))
        try:
            return value(next(rounds))
        except StopIteration:
            starts = name.rsplit("_", 2)[0] + "_starts"
            raise RuntimeError(f"{name} needs {starts} in the same run") from None

    return Case(
        name,
        baseline_is,
        lambda: side("ours"),
        lambda: side("baseline"),
        unit=unit,
        note="from the rounds of chain_1500_starts (not run again)",
    )


GROUPS = (
    Group(
        tuple(
            f"{prefix}_{what}"
            for prefix in ("chain_1500", "chain_1500_warm")
            for what in ("starts", "cpu_per_start", "p99_start")
        ),
        chain_cases,
    ),
)
