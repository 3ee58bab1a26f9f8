"""Long fuzz run of every reader and of format detection (CI runs tests/reliability/test_fuzz_readers.py).

Each target (a reader and an extension, plain and gzipped) is fuzzed for ``--seconds`` seconds with the
property of tests/fuzz_harness.py. ``--engine hypothesis`` (default, always installed) draws mutated tiny
seeds and raw bytes; ``--engine atheris`` (``pip install atheris``) is coverage-guided: libFuzzer mutates
the same seeds towards new branches of the instrumented readers, in a child process per target that is
restarted after each crash. Prints executions and distinct crashes per target; a crash is any exception
other than hepgraph's own errors, a non-record item or a read longer than the hang bound, and its input
is saved under ``--out``.

    HF_HUB_OFFLINE=1 python benchmarks/fuzz.py --seconds 180 [--engine atheris] [--only bibtex]
"""

from __future__ import annotations

import argparse
import gzip
import logging
import re
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
if __name__ == "__main__" and sys.argv[1:2] == ["--child"]:
    import atheris

    # The readers and the parsers they call, instrumented as they load (all 19,000 functions: minutes).
    with atheris.instrument_imports(include=["hepgraph", "bibtexparser", "defusedxml", "fuzz_harness"]):
        import fuzz_harness  # noqa: F401
from fuzz_harness import TARGETS, Target, inputs, run_one  # noqa: E402


def _signature(err: BaseException) -> str:
    """Exception type and the innermost hepgraph frame: one line per distinct crash site."""
    frames = [f for f in traceback.extract_tb(err.__traceback__) if "fuzz_harness" not in f.filename]
    ours = [f for f in frames if "/hepgraph/" in f.filename or "/extract/" in f.filename] or frames
    where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else "?"
    return f"{type(err).__name__} at {where}: {str(err)[:80]}"


def fuzz(target: Target, seconds: float, scratch: Path) -> tuple[int, dict[str, bytes]]:
    """Executions and crashes (signature -> smallest input) of ``target`` within ``seconds``."""
    runs = 0
    crashes: dict[str, bytes] = {}
    stop = time.monotonic() + seconds

    @settings(
        max_examples=500,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(inputs(target))
    def body(data: bytes) -> None:
        nonlocal runs
        if time.monotonic() > stop:
            return
        runs += 1
        try:
            run_one(target, data, scratch)
        except Exception as err:  # noqa: BLE001 - every escape is a finding, recorded and not re-raised
            sig = _signature(err)
            if sig not in crashes or len(data) < len(crashes[sig]):
                crashes[sig] = data

    while time.monotonic() < stop:
        body()
    return runs, crashes


def fuzz_atheris(target: Target, seconds: float, scratch: Path, out: Path) -> tuple[int, dict[str, bytes]]:
    """Coverage-guided: libFuzzer children until ``seconds`` are spent; executions and crashes."""
    corpus = scratch / f"corpus-{target.name}"
    corpus.mkdir(parents=True, exist_ok=True)
    for n, seed in enumerate(target.seeds):
        (corpus / f"seed{n}").write_bytes(gzip.compress(seed, mtime=0) if target.gz else seed)
    out.mkdir(parents=True, exist_ok=True)
    runs, crashes = 0, {}
    stop = time.monotonic() + seconds
    while (left := int(stop - time.monotonic())) > 0:
        child = [sys.executable, __file__, "--child", target.name, str(scratch)]
        libfuzzer = [f"-max_total_time={left}", "-timeout=0", "-print_final_stats=1"]
        libfuzzer += [f"-artifact_prefix={out}/{target.name}-", str(corpus)]
        # atheris prints the exception to stdout and libFuzzer its report to stderr: read them as one.
        proc = subprocess.run(
            [*child, *libfuzzer], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
        )
        log = proc.stdout
        runs += sum(int(n) for n in re.findall(r"stat::number_of_executed_units: (\d+)", log))
        if "Uncaught Python exception" not in log:
            if proc.returncode != 0:
                print(log[-2000:], file=sys.stderr)
                break
            continue
        tail = log.split("Uncaught Python exception", 1)[1]
        frames = re.findall(r'File "([^"]+)", line (\d+)', tail)
        ours = [f for f in frames if "/extract/" in f[0] or "/hepgraph/" in f[0]] or frames or [("?", "?")]
        error = next((ln for ln in tail.splitlines() if re.match(r"^\w+(Error|Exception|Hang)\b", ln)), "?")
        written = re.search(r"Test unit written to (\S+)", log)
        sig = f"{error[:100]} at {Path(ours[-1][0]).name}:{ours[-1][1]}"
        crashes.setdefault(sig, Path(written.group(1)).read_bytes() if written else b"")
    return runs, crashes


def _child(name: str, scratch: Path) -> None:
    """The libFuzzer process of one target (``--engine atheris``)."""
    import atheris

    target = TARGETS[name]
    logging.disable(logging.WARNING)
    atheris.Setup([sys.argv[0], *sys.argv[4:]], lambda data: run_one(target, data, scratch))
    atheris.Fuzz()


def main() -> None:
    if len(sys.argv) > 3 and sys.argv[1] == "--child":
        _child(sys.argv[2], Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="fuzzing time per target")
    parser.add_argument("--only", action="append", choices=sorted(TARGETS), help="fuzz only these targets")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/fuzz"), help="crash inputs go here")
    parser.add_argument("--engine", choices=["hypothesis", "atheris"], default="hypothesis")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # readers' and bibtexparser's warnings on damaged input are expected
    scratch = Path(tempfile.mkdtemp(prefix="hepgraph-fuzz-"))
    total_crashes = 0
    print(f"engine: {args.engine}\n")
    print("| target | seconds | executions | exec/s | crashes |\n|---|---:|---:|---:|---:|")
    for name in args.only or TARGETS:
        started = time.monotonic()
        if args.engine == "atheris":
            runs, crashes = fuzz_atheris(TARGETS[name], args.seconds, scratch, args.out.resolve())
        else:
            runs, crashes = fuzz(TARGETS[name], args.seconds, scratch)
        took = time.monotonic() - started
        print(f"| {name} | {took:.0f} | {runs} | {runs / took:.0f} | {len(crashes)} |", flush=True)
        for i, (sig, data) in enumerate(sorted(crashes.items())):
            args.out.mkdir(parents=True, exist_ok=True)
            out = args.out / f"{name}-{i}{TARGETS[name].suffix}"
            out.write_bytes(data)
            print(f"    crash: {sig}  (input: {out}, {len(data)} bytes)", flush=True)
        total_crashes += len(crashes)
    sys.exit(1 if total_crashes else 0)


if __name__ == "__main__":
    main()
