"""How the Python test clients (interop, KV, ShardKV) run their named cases: each on a daemon
thread bounded by a time limit, one "PASS name (detail)" or "FAIL name: reason" line each."""

import threading

import grpc


class CaseFailure(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CaseFailure(message)


def run_case(case, timeout):
    """Runs `case()` on a daemon thread, bounded by `timeout` seconds; returns (failure reason
    or None, the case's return value as detail)."""
    outcome = {}

    def body():
        try:
            outcome["detail"] = case()
        except CaseFailure as failure:
            outcome["error"] = str(failure)
        except grpc.RpcError as error:
            outcome["error"] = f"unexpected status {error.code()}: {error.details()!r}"
        except Exception as error:  # any other exception is a failure of this case
            outcome["error"] = f"unexpected error {error!r}"

    thread = threading.Thread(target=body, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        return f"did not finish within {timeout} s", None
    return outcome.get("error"), outcome.get("detail")


def run_cases(cases, names, timeout, *args):
    """Runs `cases[name](*args)` for each name in order, printing a PASS/FAIL line for each;
    returns the number that failed. (A case that timed out may leave a thread blocked inside
    grpc: callers end with os._exit.)"""
    failures = 0
    for name in names:
        reason, detail = run_case(lambda: cases[name](*args), timeout)
        if reason is None:
            print(f"PASS {name}" + (f" ({detail})" if detail else ""), flush=True)
        else:
            failures += 1
            print(f"FAIL {name}: {reason}", flush=True)
    return failures
