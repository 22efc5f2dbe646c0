"""Coroutines graphql-core abandons after a failed sibling field are not reported as errors;
any other coroutine never awaited still is. Run in a child process: it sets process-wide hooks."""

import subprocess
import sys

SCRIPT = """
import gc, sys, types
from graphql_schema.execution import ignore_abandoned_field_coroutines

class Executor:
    async def complete_value(self): pass

class Mine:
    async def forgotten(self): pass

ignore_abandoned_field_coroutines()
Executor().complete_value()
Mine().forgotten()
gc.collect()
abandoned = Executor().complete_value()
sys.unraisablehook(types.SimpleNamespace(
    exc_type=KeyError, exc_value=KeyError("__import__"), exc_traceback=None, err_msg=None, object=abandoned))
abandoned.close()
print("done")
"""


def test_only_graphql_cores_abandoned_coroutines_are_silenced() -> None:
    finished = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)

    assert finished.stdout == "done\n"
    assert "coroutine 'Mine.forgotten' was never awaited" in finished.stderr
    assert "Executor" not in finished.stderr
    assert "KeyError" not in finished.stderr
