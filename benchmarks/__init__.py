"""On-demand performance benchmarks (`make bench`): the product's speed targets, measured.

Not tests: they time real processes on this machine, so they run only when asked and pytest never
collects them (its testpaths is `tests`).
"""
