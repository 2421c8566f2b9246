"""Materialize Feast features, then gate on fsmon.

`fsmon check` runs one pass of every check and exits with:
  0  every result is below --fail-on (default crit)
  1  the gate failed: at least one result at or above --fail-on
  2  usage or config error (nothing was checked)
  3  a check could not run (store unreachable, unreadable file)
Airflow fails a BashOperator task on any non-zero exit code. Exit code 3 is
retried (the store may be briefly unreachable); 1 and 2 are not, because
retrying cannot fix bad data or a bad config.
"""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.exceptions import AirflowFailException
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator

FSMON_CONFIG = "/opt/fsmon/fsmon.yaml"
VIEWS = "driver_hourly_stats,customer_profile"


def run_fsmon_check(**context):
    """Run fsmon check and map its exit code to Airflow's retry semantics."""
    import subprocess

    report = f"/tmp/fsmon-{context['run_id']}.json".replace(":", "_")
    proc = subprocess.run(
        [
            "fsmon", "check",
            "--config", FSMON_CONFIG,
            "--only", VIEWS,
            "--fail-on", "crit",
            "--format", "json",
            "--output", report,
        ],
        capture_output=True,
        text=True,
    )
    print(proc.stdout)
    print(proc.stderr)
    if proc.returncode == 0:
        return report
    if proc.returncode == 1:
        raise AirflowFailException(f"fsmon gate failed: critical results, see {report}")
    if proc.returncode == 2:
        raise AirflowFailException("fsmon config error: run `fsmon validate --config " + FSMON_CONFIG + "`")
    # 3 (or anything else): could not run; let Airflow retry.
    raise RuntimeError(f"fsmon could not run every check (exit {proc.returncode}), see {report}")


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
    gate = PythonOperator(
        task_id="fsmon_check",
        python_callable=run_fsmon_check,
    )
    materialize >> gate
