"""Run calls at the same moment in threads, each on its own database connection."""

import threading
from collections.abc import Callable

from django.db import connection


def run_together(*calls: Callable, timeout: float = 60) -> list:
    """Run the calls in threads released at once; each result, or the exception raised."""
    barrier = threading.Barrier(len(calls), timeout=10)
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # the outcome under test
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
        assert not thread.is_alive()
    return results
