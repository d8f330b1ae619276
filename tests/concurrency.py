"""Running calls at the same moment, each in its own thread and database connection, for the
tests that show two people acting at once cannot both win."""

import threading

from django.db import connections

from cluster_platform import rls


def race(calls) -> list:
    """Start every call at once (a barrier releases them together); return what each returned
    or the exception it raised, in the order of `calls`."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            # A thread's connection is new: test code runs in the platform scope (conftest.py).
            with rls.platform_scope():
                outcomes[index] = call()
        except Exception as error:  # recorded for the test to assert on
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes
