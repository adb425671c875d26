"""Tools for demos, tests and benchmarks, shipped in the wheel but never imported by the workers themselves:
`replay` serves the bundled replay corpus (feeds and pages) on a local port for `silkwire demo`, the test
suite and the compose test's replay container."""
