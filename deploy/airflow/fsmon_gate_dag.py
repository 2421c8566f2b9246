"""Materialize Feast features, then gate on fsmon.

Works on Airflow 2.9+ and Airflow 3: operators come from the standard
provider (apache-airflow-providers-standard, bundled with Airflow 3), with a
fallback to Airflow 2's own airflow.operators modules.

`fsmon check` runs one pass of every check and exits with:
  0  every result is below --fail-on (default crit)
  1  the gate failed: at least one result at or above --fail-on
  2  usage or config error (nothing was checked)
  3  a check could not run (store unreachable, unreadable file)
The gate task maps them to Airflow's semantics: 0 succeeds; 1 and 2 fail at
once without retry (retrying cannot fix bad data or a bad config); 3, and
anything else (the process killed, say), fails and is retried under the
task's retries. Whatever the outcome, the report's summary (status, counts,
every result that is not ok) is printed to the task log, and the JSON report
stays in the file given to --output for later tasks (its path is the task's
return value, in XCom).

The module imports without Airflow installed, so its helpers can be tested
alone (deploy/airflow/test_fsmon_gate_dag.py).
"""

import json
import subprocess
from datetime import datetime, timedelta

try:  # Airflow 3, or Airflow 2.9+ with the standard provider
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.providers.standard.operators.python import PythonOperator
except ImportError:
    try:  # Airflow 2 without the standard provider
        from airflow.operators.bash import BashOperator
        from airflow.operators.python import PythonOperator
    except ImportError:  # no Airflow: only the helpers below are usable
        BashOperator = PythonOperator = None

try:  # Airflow 3's task SDK
    from airflow.sdk import DAG
except ImportError:
    try:
        from airflow import DAG
    except ImportError:
        DAG = None

try:
    from airflow.exceptions import AirflowException, AirflowFailException
except ImportError:
    class AirflowException(Exception):
        """Stand-in when Airflow is absent: a failure that is retried."""

    class AirflowFailException(AirflowException):
        """Stand-in when Airflow is absent: a failure that is not retried."""


FSMON = "fsmon"
FSMON_CONFIG = "/opt/fsmon/fsmon.yaml"
VIEWS = "driver_hourly_stats,customer_profile"

EXIT_OK, EXIT_GATE_FAILED, EXIT_USAGE, EXIT_COULD_NOT_RUN = 0, 1, 2, 3


def outcome(returncode):
    """Map fsmon check's exit code to "ok", "fail" (no retry) or "retry"."""
    if returncode == EXIT_OK:
        return "ok"
    if returncode in (EXIT_GATE_FAILED, EXIT_USAGE):
        return "fail"
    return "retry"


def summarize(report):
    """The lines of a report summary for the task log: overall status, the
    count of results per status, and each result that is not ok. Entity keys
    and feature values are never in a report, so none reach the log."""
    results = report.get("results", [])
    counts = {}
    for r in results:
        counts[r.get("status", "?")] = counts.get(r.get("status", "?"), 0) + 1
    order = ["crit", "error", "warn", "ok"]
    shown = ", ".join(f"{counts[s]} {s}" for s in sorted(counts, key=lambda s: (order.index(s) if s in order else 9, s)))
    lines = [f"fsmon check: status {report.get('status', '?')} ({shown or 'no results'})"]
    bad = [r for r in results if r.get("status") != "ok"]
    bad.sort(key=lambda r: order.index(r["status"]) if r.get("status") in order else 9)
    for r in bad:
        where = "/".join(x for x in (r.get("project"), r.get("feature_view"), r.get("feature")) if x)
        store = f" [{r['store']}]" if r.get("store") else ""
        msg = r.get("message") or r.get("error") or ""
        lines.append(f"  {r.get('status', '?'):5} {r.get('check', '?'):11} {where}{store}: {msg}")
    return lines


def gate(returncode, report_path, log=print):
    """Print the summary of the report at report_path (if fsmon wrote one)
    and raise for a failing exit code; return report_path on success."""
    try:
        with open(report_path) as f:
            for line in summarize(json.load(f)):
                log(line)
    except (OSError, ValueError) as e:
        log(f"fsmon check wrote no readable report at {report_path}: {e}")
    result = outcome(returncode)
    if result == "ok":
        return report_path
    if returncode == EXIT_GATE_FAILED:
        raise AirflowFailException(f"fsmon gate failed (exit 1): results at or above --fail-on, report {report_path}")
    if returncode == EXIT_USAGE:
        raise AirflowFailException(f"fsmon config or usage error (exit 2): run `fsmon validate --config {FSMON_CONFIG}`")
    raise AirflowException(f"fsmon could not run every check (exit {returncode}); retrying. Report {report_path}")


def run_fsmon_check(run_id, config=FSMON_CONFIG, views=VIEWS, fsmon=FSMON):
    """Run fsmon check with a JSON report in a file, print its summary and
    stderr to the task log, and map the exit code (see gate)."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in run_id)
    report = f"/tmp/fsmon-{safe}.json"
    proc = subprocess.run(
        [fsmon, "check", "--config", config, "--only", views, "--fail-on", "crit",
         "--format", "json", "--output", report],
        capture_output=True,
        text=True,
    )
    for stream in (proc.stdout, proc.stderr):
        if stream.strip():
            print(stream.rstrip())
    return gate(proc.returncode, report)


if DAG is not None:
    with DAG(
        dag_id="feast_materialize_and_gate",
        start_date=datetime(2026, 1, 1),
        schedule="@hourly",
        catchup=False,
        default_args={"retries": 2, "retry_delay": timedelta(minutes=5)},
        tags=["feast", "fsmon"],
    ) as dag:
        materialize = BashOperator(
            task_id="feast_materialize",
            bash_command="cd /opt/feature_repo && feast materialize-incremental {{ ts }}",
        )
        fsmon_gate = PythonOperator(
            task_id="fsmon_check",
            python_callable=run_fsmon_check,
            op_kwargs={"run_id": "{{ run_id }}"},
        )
        materialize >> fsmon_gate
