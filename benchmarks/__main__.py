"""Run the benchmarks (all, or those named: `python -m benchmarks log_view`) and print one report:
figure, target, verdict. Exit 1 if a target is missed. A benchmark may take options of its own (its
OPTIONS, e.g. `python -m benchmarks runbook --recovery`), passed to its run().

Each benchmark runs in a process of its own, so none inherits another's memory, collector state,
moto backends or sandbox snapshot (`--figures NAME` is that process: it prints its figures as JSON).
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time

from benchmarks import (fleet, large_estate, launch, log_fetch, log_lines, log_view, one_shot, runbook, sandbox_start,
                        traffic, wire)
from benchmarks.common import Figure, isolate_aws

BENCHMARKS = {module.__name__.rpartition(".")[2]: module
              for module in (launch, large_estate, sandbox_start, traffic, log_lines, log_view, log_fetch, one_shot,
                             runbook, fleet, wire)}


def _row(figure: Figure) -> str:
    value = f"{figure.value:.3f} s" if figure.unit == "s" else f"{figure.value:g} {figure.unit}"
    target = "—" if figure.target is None else f"≤ {figure.target:g} {figure.unit}"
    return f"{figure.name:<42} {value:>10}  {target:<10} {figure.verdict:<5} {figure.note}"


def _figures_of(name: str, options: list[str]) -> list[Figure]:
    """Run one benchmark in a fresh process, with those of `options` it takes; its figures."""
    print(f"running {name}…", file=sys.stderr, flush=True)
    taken = [o for o in options if o in getattr(BENCHMARKS[name], "OPTIONS", ())]
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--figures", name, *taken], stdout=subprocess.PIPE,
                          text=True, check=True)
    return [Figure(**figure) for figure in json.loads(done.stdout.strip().splitlines()[-1])]


def main(argv: list[str]) -> int:
    if argv[:1] == ["--figures"]:
        isolate_aws()
        figures = BENCHMARKS[argv[1]].run(*argv[2:])
        print(json.dumps([dataclasses.asdict(figure) for figure in figures]))
        return 0
    options = [a for a in argv if a.startswith("--")]
    names = [a for a in argv if not a.startswith("--")]
    known = {o for module in BENCHMARKS.values() for o in getattr(module, "OPTIONS", ())}
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        print(f"no benchmark named {', '.join(sorted(unknown))}; there are {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    if set(options) - known:
        print(f"no benchmark takes {', '.join(sorted(set(options) - known))}; options: {', '.join(sorted(known))}",
              file=sys.stderr)
        return 2
    started = time.perf_counter()
    figures = [figure for name in BENCHMARKS if not names or name in names for figure in _figures_of(name, options)]
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
