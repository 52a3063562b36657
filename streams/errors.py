"""The root of newsstream's own errors, and the exit statuses they map to.

Every failure the project itself names (a bad setting or input, a port in use, a broker
it cannot reach, outputs not acknowledged, a model that will not load) derives from
``NewsstreamError``, so the command line reports an expected failure in one line with
its exit status, and only a bug with a traceback. Each keeps the built-in base it had
(``ValueError``, ``RuntimeError``, ``OSError``), so existing ``except`` clauses still hold.

Exit statuses (README: "Failures"): 0 done; 1 a configuration or usage error that a
restart will not fix (a supervisor must not restart it); 75 transient, "restart me"
(sysexits' EX_TEMPFAIL: the broker away, outputs not acknowledged, a crash mid-stream).
"""

from __future__ import annotations

#: Done.
EXIT_OK = 0
#: A configuration or usage error: restarting will not help.
EXIT_CONFIG = 1
#: Transient: restart me (sysexits' EX_TEMPFAIL).
EXIT_RESTART = 75


class NewsstreamError(Exception):
    """A failure newsstream names and explains itself; ``exit_code`` says whether a restart may help."""

    exit_code = EXIT_CONFIG


class ConfigError(NewsstreamError, ValueError):
    """A setting, option, input or port that cannot work as given."""


class TransientError(NewsstreamError, RuntimeError):
    """Something outside us that may come back (the broker, its acknowledgements): restart me."""

    exit_code = EXIT_RESTART


class ProcessFailure(TransientError):
    """This process cannot go on (a child it depends on died), through no fault of the records it
    held: the pipeline does not retry or dead-letter them, the worker exits and, restarted,
    processes them again."""
