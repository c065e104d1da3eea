"""The traffic generator: simulated clients that call the sandbox's estate and react to its configuration.

`runner` steps the clients (`Traffic`) and runs them in a thread (`Runner`); `estate` reads back the
estate they call; `quota` counts their requests against usage plans; `sinks` writes what they
produce, access-log lines and metrics.
"""
