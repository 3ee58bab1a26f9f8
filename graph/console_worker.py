"""One console query in a child process: ``python -m hepgraph.graph.console_worker`` (request on stdin).

A child, because two things a thread cannot give: the parent kills it when its memory passes the
console's budget (some expressions, e.g. ``UNWIND range(1, 10^9)``, allocate before the engine's timeout
can interrupt them), and a crash of the native engine cannot take the app down. Imports only the standard
library and the engine, so a query costs a fraction of a second of start-up.

Request: ``{"database", "query", "params", "row_limit", "timeout_ms", "buffer_pool_bytes"}``.
Answer on stdout: ``{"columns", "rows", "truncated"}`` or ``{"error"}``; values JSON-encoded, anything
JSON cannot hold (dates, ids) as text, exact sums (Decimal) as numbers.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import Any


def run(request: dict[str, Any]) -> dict[str, Any]:
    """Run the request's query on its database opened read-only; the answer or the engine's error."""
    import real_ladybug as lb

    try:
        db = lb.Database(
            request["database"],
            read_only=True,
            buffer_pool_size=request["buffer_pool_bytes"],
            max_num_threads=2,
        )
        conn = lb.Connection(db, num_threads=2)
        conn.set_query_timeout(request["timeout_ms"])
        result = conn.execute(request["query"], request["params"])
        if isinstance(result, list):  # several statements: the console answers with the last
            result = result[-1]
        rows = []
        while result.has_next() and len(rows) <= request["row_limit"]:
            rows.append(result.get_next())
        columns = list(result.get_column_names())
    except RuntimeError as err:  # the engine's errors: parse, catalog, timeout, buffer pool, read-only
        return {"error": " ".join(str(err).split()) or type(err).__name__}
    except UnicodeDecodeError as err:  # seen with trim() of a concatenation: the engine's bytes are broken
        return {"error": f"the engine returned text that is not UTF-8 ({err.reason}); a bug of the engine"}
    return {
        "columns": columns,
        "rows": rows[: request["row_limit"]],
        "truncated": len(rows) > request["row_limit"],
    }


def _json_default(value: Any) -> Any:
    """Values JSON has no type for: sums come back as Decimal (exact), kept as numbers; the rest as text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return str(value)


if __name__ == "__main__":
    answer = run(json.load(sys.stdin))
    sys.stdout.write(json.dumps(answer, default=_json_default))
