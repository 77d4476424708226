"""benchmarks/run.py on a tiny store: every figure present, with its unit. Never a timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import run as bench  # noqa: E402
from conftest import fast_kdf_env  # noqa: E402


def test_benchmark_smoke_run_writes_every_figure_with_a_unit(tmp_path):
    env = fast_kdf_env({k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")})
    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\nIntro kept.\n", encoding="utf-8")
    out = tmp_path / "out.json"
    cmd = [
        sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sessions", "300", "--quick",
        "--saves", "3", "--scroll-budget", "5", "--cache-dir", str(tmp_path / "cache"),
        "--json", str(out), "--doc", str(doc), "--column", "smoke",
    ]  # fmt: skip
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    figures = result["figures"]
    assert set(figures) == set(bench.FIGURES)
    for key, (unit, _what) in bench.FIGURES.items():
        assert figures[key]["unit"] == unit, key
        assert isinstance(figures[key]["value"], int | float), key
        assert figures[key]["value"] >= 0, key
    assert figures["store_sessions"]["value"] == 300
    assert figures["gui_scroll_rows"]["value"] > 0
    assert result["config"]["kdf"].startswith("fast")
    assert {"cpu", "cores", "ram_gb", "os", "python", "date"} <= set(result["machine"])
    text = doc.read_text(encoding="utf-8")
    assert "Intro kept." in text and "| figure | what | smoke |" in text
    assert all(f"| `{key}` |" in text for key in bench.FIGURES)
    # A second column leaves the first in place; the store is reused, not built again.
    again = subprocess.run(
        [*cmd[:-1], "second"], env=env, capture_output=True, text=True, timeout=600
    )
    assert again.returncode == 0, again.stderr[-3000:]
    assert "building demo store" not in again.stdout
    assert "| figure | what | smoke | second |" in doc.read_text(encoding="utf-8")


def test_growth_smoke_run_gives_each_store_the_same_figures(tmp_path):
    env = fast_kdf_env({k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")})
    out = tmp_path / "growth.json"
    cmd = [
        sys.executable, str(ROOT / "benchmarks" / "run.py"), "--growth", "--quick",
        "--growth-sizes", "300x1,600x2", "--saves", "2",
        "--cache-dir", str(tmp_path / "cache"), "--json", str(out),
    ]  # fmt: skip
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    growth = json.loads(out.read_text(encoding="utf-8"))["growth"]
    assert list(growth) == ["300/1y", "600/2y"]
    keys = set(bench.GROWTH_KEYS) | {"report_month_figures_ms", "save_session_ms"}
    for figures in growth.values():
        assert set(figures) == keys
        assert all(f["unit"] == "ms" and f["value"] >= 0 for f in figures.values())
    assert "last / first" in r.stdout


def test_engine_comparison_smoke_run_on_postgresql(tmp_path):
    """--engine postgresql on a tiny store: both stores' figures, both doc columns."""
    import shutil
    import tempfile

    from tests.pg_server import server_bin_dir

    if server_bin_dir() is None:
        if os.environ.get("PEERDESK_REQUIRE_POSTGRES") == "1":
            raise AssertionError("PostgreSQL server binaries are required here")
        import pytest

        pytest.skip("PostgreSQL server binaries not installed")
    env = fast_kdf_env({k: v for k, v in os.environ.items() if not k.startswith("PEERDESK_")})
    # The server runs as `nobody` under root: its folder must be reachable (not tmp_path).
    pg_dir = Path(tempfile.mkdtemp(prefix="peerdesk-bench-pg-"))
    pg_dir.chmod(0o755)
    doc = tmp_path / "performance.md"
    out = tmp_path / "engines.json"
    cmd = [
        sys.executable, str(ROOT / "benchmarks" / "run.py"), "--engine", "postgresql",
        "--sessions", "300", "--quick", "--saves", "2", "--cache-dir", str(tmp_path / "cache"),
        "--pg-dir", str(pg_dir / "pg"), "--json", str(out), "--doc", str(doc), "--column", "smoke",
    ]  # fmt: skip
    try:
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    finally:
        shutil.rmtree(pg_dir, ignore_errors=True)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    wanted = {
        *bench.ENGINE_KEYS,
        "save_session_ms",
        "save_session_p90_ms",
        "store_sessions",
        "store_size_mb",
        "report_month_contacts",
        "load_average_start",
        "load_average_end",
    }
    engines = result["engines"]
    assert set(engines) == {"local", "postgresql"}
    for figures in engines.values():
        assert set(figures) == wanted
        assert all(f["unit"] == bench.FIGURES[k][0] and f["value"] >= 0 for k, f in figures.items())
    # The same demo on both engines: the same busiest month.
    assert (
        engines["local"]["report_month_contacts"] == engines["postgresql"]["report_month_contacts"]
    )
    assert engines["local"]["report_month_contacts"]["value"] > 0
    text = doc.read_text(encoding="utf-8")
    assert "| figure | what | smoke local | smoke PostgreSQL |" in text
    assert "pg / local" in r.stdout
