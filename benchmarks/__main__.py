"""Run the benchmarks (all, or those named: `python -m benchmarks log_view`) and print one report:
figure, target, verdict. Exit 1 if a target is missed."""

from __future__ import annotations

import sys
import time

from benchmarks import large_estate, launch, log_fetch, log_lines, log_view, sandbox_start
from benchmarks.common import Figure, isolate_aws

BENCHMARKS = (launch, large_estate, sandbox_start, log_lines, log_view, log_fetch)


def _row(figure: Figure) -> str:
    value = f"{figure.value:.3f} s" if figure.unit == "s" else f"{figure.value:g} {figure.unit}"
    target = "—" if figure.target is None else f"≤ {figure.target:g} {figure.unit}"
    return f"{figure.name:<42} {value:>10}  {target:<10} {figure.verdict:<5} {figure.note}"


def main(names: list[str]) -> int:
    chosen = [b for b in BENCHMARKS if not names or b.__name__.rpartition(".")[2] in names]
    unknown = set(names) - {b.__name__.rpartition(".")[2] for b in BENCHMARKS}
    if unknown:
        print(f"no benchmark named {', '.join(sorted(unknown))}; there are "
              f"{', '.join(b.__name__.rpartition('.')[2] for b in BENCHMARKS)}", file=sys.stderr)
        return 2
    isolate_aws()
    started = time.perf_counter()
    figures: list[Figure] = []
    for benchmark in chosen:
        print(f"running {benchmark.__name__}…", file=sys.stderr, flush=True)
        figures += benchmark.run()
    print(f"{'figure':<42} {'value':>10}  {'target':<10} {'verdict':<5} note")
    for figure in figures:
        print(_row(figure))
    failed = [f for f in figures if f.verdict == "FAIL"]
    targets = [f for f in figures if f.target is not None]
    print(f"\n{len(targets) - len(failed)} of {len(targets)} targets met; "
          f"{time.perf_counter() - started:.0f} s in all")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
