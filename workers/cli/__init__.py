"""The `silkwire` command line: the same stage functions and queries the workers use."""
