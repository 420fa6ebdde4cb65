"""Delivery benchmarks: our SFTP and FTPS uploads against OpenSSH ``sftp -b`` and ``curl``.

Cases (each prints one line ``name  ours  baseline  ratio``):

* ``sftp_256MiB``      one 256 MiB file, SftpDelivery vs ``sftp -b`` (target >= 1.10)
* ``sftp_500x50KiB``   500 files of 50 KiB over one connection each side (target >= 1.25)
* ``sftp_500x50KiB_vs_put+rename``  the same, against ``sftp -b`` doing what we do
  (``put`` to a temporary name, then ``rename``): equal work on both sides (no target)
* ``ftps_256MiB``      one 256 MiB file, FtpDelivery vs ``curl --ssl-reqd`` (target >= 1.0)

``ours`` and ``baseline`` are wall-clock seconds (best of ``--runs``), connection set-up
included on both sides. **ratio = baseline seconds / our seconds**, i.e. our speed divided
by the baseline's speed: above 1.0 we are faster. Our side does more work than the
baseline (temporary name, remote size check, rename) and is still measured whole.

Both sides talk to the same server on 127.0.0.1, started here: OpenSSH ``sshd`` with a
private config (``internal-sftp``) and ``vsftpd`` (anonymous FTPS, session reuse required;
needs root) or, without root, pyftpdlib. Run::

    python -m benchmarks.delivery [--runs 3] [--size-mib 256] [--files 500] [--case sftp]
"""

from __future__ import annotations

import argparse
import getpass
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from amparex_adapters.delivery.ftp import FtpDelivery  # noqa: E402
from amparex_adapters.delivery.sftp import SftpDelivery  # noqa: E402
from amparex_core.domain.parcels import OutgoingFile  # noqa: E402
from amparex_core.domain.secret import Secret  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _which(name: str) -> str:
    found = shutil.which(name) or next(
        (
            f"{d}/{name}"
            for d in ("/usr/sbin", "/usr/local/sbin")
            if os.access(f"{d}/{name}", os.X_OK)
        ),
        None,
    )
    if found is None:
        sys.exit(
            f"{name} is missing (Debian packages: openssh-server, openssh-client, vsftpd, curl)"
        )
    return found


def _wait(port: int, greeting: bytes, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(8).startswith(greeting):
                    return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"server on port {port} did not come up")


@contextmanager
def _process(cmd: list[str], port: int, greeting: bytes) -> Iterator[None]:
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait(port, greeting, proc)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


@contextmanager
def sshd(work: Path) -> Iterator[dict[str, Any]]:
    """A private foreground sshd; yields what a client needs."""
    keygen = _which("ssh-keygen")
    work.mkdir(mode=0o755, exist_ok=True)
    for name in ("host_key", "client_key"):
        subprocess.run(
            [keygen, "-q", "-t", "ed25519", "-N", "", "-f", str(work / name)], check=True
        )
    (work / "authorized_keys").write_text((work / "client_key.pub").read_text())
    port = _free_port()
    host_pub = (work / "host_key.pub").read_text().split()
    (work / "known_hosts").write_text(f"[127.0.0.1]:{port} {host_pub[0]} {host_pub[1]}\n")
    (work / "sshd_config").write_text(
        "\n".join([
            f"Port {port}", "ListenAddress 127.0.0.1", f"HostKey {work / 'host_key'}",
            "PidFile none", "UsePAM no", "StrictModes no", "PasswordAuthentication no",
            f"AuthorizedKeysFile {work / 'authorized_keys'}", "PermitRootLogin prohibit-password",
            "Subsystem sftp internal-sftp", "LogLevel ERROR", "UseDNS no", "",
        ])
    )  # fmt: skip
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    with _process([_which("sshd"), "-D", "-e", "-f", str(work / "sshd_config")], port, b"SSH-"):
        yield {"port": port, "key": work / "client_key", "known_hosts": work / "known_hosts"}


@contextmanager
def ftps_server(work: Path) -> Iterator[dict[str, Any]]:
    """vsftpd (as root) or pyftpdlib, FTPS required; yields what a client needs."""
    from tests.plugins._certs import make_pki

    work.mkdir(mode=0o755, exist_ok=True)
    pki = make_pki(work / "pki")
    root = work / "ftproot"
    root.mkdir(mode=0o755)
    (root / "in").mkdir()
    (root / "in").chmod(0o777)
    port = _free_port()
    if os.geteuid() == 0 and (shutil.which("vsftpd") or os.access("/usr/sbin/vsftpd", os.X_OK)):
        from tests.plugins.ftp_servers import vsftpd_config

        empty = work / "empty"
        empty.mkdir(mode=0o755)
        (work / "vsftpd.conf").write_text(vsftpd_config(root, port, pki, empty))
        cmd = [_which("vsftpd"), str(work / "vsftpd.conf")]
        user, password, kind = "anonymous", "bench@example.invalid", "vsftpd"
    else:
        script = ROOT / "tests" / "plugins" / "_pyftpd.py"
        user, password, kind = "bench", "bench-pw", "pyftpdlib"
        cmd = [sys.executable, str(script), str(port), str(root), user, password, "tls",
               str(pki.cert_file), str(pki.key_file)]  # fmt: skip
    with _process(cmd, port, b"220"):
        yield {"port": port, "user": user, "password": password, "ca": pki.ca_file,
               "root": root, "kind": kind}  # fmt: skip


def _file(path: Path, name: str) -> OutgoingFile:
    return OutgoingFile(name=name, size=path.stat().st_size, open=lambda: path.open("rb"))


def _compare(
    runs: int,
    ours: Callable[[int], None],
    baseline: Callable[[int], None],
    reset: Callable[[], None] = lambda: None,
) -> tuple[float, float]:
    """Best times of both sides, runs alternating, each after ``sync`` and a clean target.

    Alternating (and flushing dirty pages first) keeps disk write-back of one side's run
    from landing on the other side's measurement.
    """
    best = [float("inf"), float("inf")]
    for i in range(runs):
        order = [(0, ours), (1, baseline)] if i % 2 == 0 else [(1, baseline), (0, ours)]
        for side, action in order:
            reset()
            os.sync()
            start = time.perf_counter()
            action(i)
            best[side] = min(best[side], time.perf_counter() - start)
    return best[0], best[1]


def _line(name: str, ours: float, baseline: float) -> None:
    print(f"{name}  {ours:.3f}s  {baseline:.3f}s  {baseline / ours:.2f}x", flush=True)


SFTP_BASELINE_OPTIONS: list[str] = []
"""Extra ``-o`` options of the ``sftp`` baseline (``--baseline-cipher``)."""


def _sftp_cmd(server: dict[str, Any], batch: Path) -> list[str]:
    return [
        _which("sftp"), "-q", "-b", str(batch), "-i", str(server["key"]), "-P", str(server["port"]),
        "-o", f"UserKnownHostsFile={server['known_hosts']}", "-o", "StrictHostKeyChecking=yes",
        "-o", "BatchMode=yes", *SFTP_BASELINE_OPTIONS, f"{getpass.getuser()}@127.0.0.1",
    ]  # fmt: skip


def _ours_sftp(server: dict[str, Any], remote_dir: Path) -> SftpDelivery:
    return SftpDelivery("127.0.0.1", port=server["port"], username=getpass.getuser(),
                        key_file=server["key"], known_hosts=server["known_hosts"],
                        remote_dir=str(remote_dir))  # fmt: skip


def bench_sftp(work: Path, runs: int, size_mib: int, files: int, *, big: bool = True) -> None:
    big_file = work / "big.bin"
    _random_file(big_file, size_mib * 1024 * 1024 if big else 1)
    small_dir = work / "small"
    small_dir.mkdir()
    for i in range(files):
        (small_dir / f"f{i:04d}.csv").write_bytes(os.urandom(50 * 1024))
    smalls = sorted(small_dir.iterdir())
    with sshd(work / "ssh") as server:
        out = work / "sftp-out"
        out.mkdir()

        def fresh(tag: str, i: int) -> Path:
            d = out / f"{tag}{i}"
            d.mkdir()
            return d

        def ours_big(i: int) -> None:
            with _ours_sftp(server, fresh("ob", i)) as delivery:
                delivery.upload(_file(big_file, "big.bin"))

        def base_big(i: int) -> None:
            d = fresh("bb", i)
            batch = work / "batch-big"
            batch.write_text(f"put {big_file} {d}/big.bin\n")
            subprocess.run(_sftp_cmd(server, batch), check=True, stdout=subprocess.DEVNULL)

        def ours_small(i: int) -> None:
            with _ours_sftp(server, fresh("os", i)) as delivery:
                for path in smalls:
                    delivery.upload(_file(path, path.name))

        def base_small(i: int) -> None:
            d = fresh("bs", i)
            batch = work / "batch-small"
            batch.write_text("".join(f"put {p} {d}/{p.name}\n" for p in smalls))
            subprocess.run(_sftp_cmd(server, batch), check=True, stdout=subprocess.DEVNULL)

        def base_small_safe(i: int) -> None:
            d = fresh("bss", i)
            batch = work / "batch-small-safe"
            batch.write_text(
                "".join(
                    f"put {p} {d}/.{p.name}.part\nrename {d}/.{p.name}.part {d}/{p.name}\n"
                    for p in smalls
                )
            )
            subprocess.run(_sftp_cmd(server, batch), check=True, stdout=subprocess.DEVNULL)

        def reset() -> None:
            for old in out.iterdir():
                shutil.rmtree(old)

        if big:  # a warm-up run of each side first
            base_big(99)
            ours_big(99)
            _line(f"sftp_{size_mib}MiB", *_compare(runs, ours_big, base_big, reset))
            reset()
        ours_small(99)
        base_small(99)
        _line(f"sftp_{files}x50KiB", *_compare(runs, ours_small, base_small, reset))
        # The same work on both sides: sftp's put to a temporary name, then rename.
        _line(
            f"sftp_{files}x50KiB_vs_put+rename",
            *_compare(runs, ours_small, base_small_safe, reset),
        )
        shutil.rmtree(out)


def bench_ftps(work: Path, runs: int, size_mib: int) -> None:
    big = work / "big.bin"
    if not big.exists() or big.stat().st_size != size_mib * 1024 * 1024:
        _random_file(big, size_mib * 1024 * 1024)
    curl = _which("curl")
    with ftps_server(work / "ftp") as server:

        def ours(i: int) -> None:
            with FtpDelivery("127.0.0.1", port=server["port"], username=server["user"],
                             password=Secret(server["password"]), ca_file=server["ca"],
                             remote_dir="/in") as delivery:  # fmt: skip
                delivery.upload(_file(big, f"ours{i}.bin"))

        def baseline(i: int) -> None:
            subprocess.run(
                [curl, "-s", "-S", "--ssl-reqd", "--cacert", str(server["ca"]),
                 "--user", f"{server['user']}:{server['password']}", "-T", str(big),
                 f"ftp://127.0.0.1:{server['port']}/in/curl{i}.bin"],
                check=True,
            )  # fmt: skip

        baseline(99)
        ours(99)

        def reset() -> None:
            for path in (server["root"] / "in").iterdir():
                path.unlink()

        _line(f"ftps_{size_mib}MiB[{server['kind']}]", *_compare(runs, ours, baseline, reset))
        reset()


def _random_file(path: Path, size: int) -> None:
    block = os.urandom(4 * 1024 * 1024)
    with path.open("wb") as out:
        left = size
        while left > 0:
            out.write(block[: min(left, len(block))])
            left -= len(block)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--size-mib", type=int, default=256)
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--case", choices=["all", "sftp", "ftps"], default="all")
    parser.add_argument("--skip-big-sftp", action="store_true", help="only the small files")
    parser.add_argument(
        "--baseline-cipher",
        help="cipher of the sftp baseline (default: OpenSSH's choice, chacha20-poly1305)",
    )
    if argv is None:  # run by benchmarks/__main__.py: its arguments are module names
        argv = sys.argv[1:] if __name__ == "__main__" else []
    args = parser.parse_args(argv)
    if args.baseline_cipher:
        SFTP_BASELINE_OPTIONS[:] = ["-o", f"Ciphers={args.baseline_cipher}"]
    print("# name  ours  baseline  ratio (= baseline s / ours s; > 1: ours faster)", flush=True)
    with tempfile.TemporaryDirectory(prefix="amparex-bench-") as tmp:
        work = Path(tmp)
        work.chmod(0o755)
        if args.case in {"all", "sftp"}:
            bench_sftp(work, args.runs, args.size_mib, args.files, big=not args.skip_big_sftp)
        if args.case in {"all", "ftps"}:
            bench_ftps(work, args.runs, args.size_mib)


if __name__ == "__main__":
    main()
