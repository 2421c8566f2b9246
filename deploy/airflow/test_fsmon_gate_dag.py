"""Tests of the Airflow example's gate: the exit-code mapping, and real runs
of `fsmon check` against a real redis-server (healthy, stale, unreachable,
bad config) through run_fsmon_check, as the DAG's task runs it.

Runs without Airflow:  FSMON_BIN=bin/fsmon python3 -m unittest deploy/airflow/test_fsmon_gate_dag.py
The real runs need FSMON_BIN and redis-server; without them they skip, and
under CI=true they fail.
"""

import contextlib
import importlib.util
import io
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("fsmon_gate_dag", os.path.join(HERE, "fsmon_gate_dag.py"))
dag = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dag)

CI = os.environ.get("CI") == "true"


class ExitCodes(unittest.TestCase):
    def test_outcome(self):
        # README, "Using fsmon check as a data-quality gate in Airflow".
        self.assertEqual(dag.outcome(0), "ok")
        self.assertEqual(dag.outcome(1), "fail")
        self.assertEqual(dag.outcome(2), "fail")
        self.assertEqual(dag.outcome(3), "retry")
        self.assertEqual(dag.outcome(-9), "retry")

    def test_gate_raises_fail_without_retry_for_1_and_2(self):
        for code in (1, 2):
            with self.assertRaises(dag.AirflowFailException):
                dag.gate(code, "/nonexistent/report.json", log=lambda _: None)

    def test_gate_raises_retryable_for_3(self):
        with self.assertRaises(dag.AirflowException) as cm:
            dag.gate(3, "/nonexistent/report.json", log=lambda _: None)
        self.assertNotIsInstance(cm.exception, dag.AirflowFailException)

    def test_summary_lists_problems_worst_first(self):
        report = {"status": "crit", "results": [
            {"check": "null_rate", "project": "p", "feature_view": "v", "feature": "f", "store": "online", "status": "warn", "message": "2% null"},
            {"check": "freshness", "project": "p", "feature_view": "v", "status": "crit", "message": "3d old"},
            {"check": "coverage", "project": "p", "feature_view": "v", "status": "ok", "message": "fine"},
        ]}
        lines = dag.summarize(report)
        self.assertEqual(lines[0], "fsmon check: status crit (1 crit, 1 warn, 1 ok)")
        self.assertEqual(len(lines), 3)
        self.assertIn("freshness", lines[1])
        self.assertIn("p/v: 3d old", lines[1])
        self.assertIn("p/v/f [online]: 2% null", lines[2])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RealRuns(unittest.TestCase):
    """run_fsmon_check with the real fsmon binary and a real redis-server."""

    @classmethod
    def setUpClass(cls):
        cls.fsmon = os.environ.get("FSMON_BIN")
        redis = shutil.which("redis-server")
        if not cls.fsmon or not redis:
            if CI:
                raise AssertionError("FSMON_BIN and redis-server are required under CI=true")
            raise unittest.SkipTest("needs FSMON_BIN=path/to/fsmon and redis-server")
        cls.fsmon = os.path.abspath(cls.fsmon)
        cls.port = free_port()
        cls.redis = subprocess.Popen([redis, "--port", str(cls.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", cls.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        cls.dir = tempfile.mkdtemp()

    @classmethod
    def tearDownClass(cls):
        cls.redis.terminate()
        cls.redis.wait(10)
        shutil.rmtree(cls.dir, ignore_errors=True)

    def redis_cmd(self, *args):
        subprocess.run(["redis-cli", "-p", str(self.port), *args], check=True, stdout=subprocess.DEVNULL)

    def config(self, name, port, body_extra=""):
        path = os.path.join(self.dir, name + ".yaml")
        with open(path, "w") as f:
            f.write(f"""online:
  redis:
    addr: 127.0.0.1:{port}
    timeout: 1s
feature_views:
  - name: {name}
    project: ci
    entities: [id]
    ttl: 1h
    online: {{layout: hash, key: "{name}:{{id}}", timestamp_field: ts}}
    features:
      - {{name: x, type: float64}}
{body_extra}""")
        return path

    def run_gate(self, config, view):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                return dag.run_fsmon_check(f"manual__{view}:1", config=config, views=view, fsmon=self.fsmon), None, out.getvalue()
            except dag.AirflowException as e:
                return None, e, out.getvalue()

    def seed(self, view, age_seconds):
        ts = int(time.time()) - age_seconds
        for i in range(120):
            self.redis_cmd("hset", f"{view}:{i}", "x", str(i / 10), "ts", str(ts))

    def test_healthy_passes_and_logs_summary(self):
        self.seed("healthy", 60)
        report, err, log = self.run_gate(self.config("healthy", self.port), "healthy")
        self.assertIsNone(err, log)
        self.assertTrue(os.path.exists(report))
        self.assertIn("fsmon check: status ok", log)

    def test_stale_fails_without_retry_and_logs_why(self):
        self.seed("stale", 3 * 86400)
        _, err, log = self.run_gate(self.config("stale", self.port), "stale")
        self.assertIsInstance(err, dag.AirflowFailException, log)
        self.assertIn("fsmon check: status crit", log)
        self.assertRegex(log, r"crit\s+freshness\s+ci/stale")

    def test_unreachable_store_is_retried(self):
        _, err, log = self.run_gate(self.config("gone", free_port()), "gone")
        self.assertIsInstance(err, dag.AirflowException, log)
        self.assertNotIsInstance(err, dag.AirflowFailException, log)
        self.assertIn("status error", log)

    def test_bad_config_fails_without_retry(self):
        path = self.config("badcfg", self.port, "    surprise: 1\n")
        _, err, log = self.run_gate(path, "badcfg")
        self.assertIsInstance(err, dag.AirflowFailException, log)
        self.assertIn("surprise", log)


if __name__ == "__main__":
    unittest.main()
