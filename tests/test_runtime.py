"""analysis.runtime: the allocator setting the suite applies to its own processes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from analysis import features, runtime

glibc = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc (Linux) only")


def _python(code: str, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=True,
        timeout=120,
    )
    return result.stdout.strip()


@glibc
def test_tuning_is_applied_once_and_says_what_it_did():
    out = _python(
        """
        from analysis import runtime
        before = runtime.allocator_tuning()
        print(before, "|", runtime.tune_allocator(), runtime.tune_allocator(), "|", runtime.allocator_tuning())
    """,
        ANKLELAB_MALLOC_TUNING="1",
    )
    assert out == (
        "not applied (glibc default) | True True | applied (glibc mmap threshold 32 MiB, trim threshold 128 MiB)"
    )


def test_environment_variable_turns_it_off():
    out = _python(
        """
        from analysis import runtime
        print(runtime.tune_allocator(), "|", runtime.allocator_tuning())
    """,
        ANKLELAB_MALLOC_TUNING="0",
    )
    assert out == "False | off (ANKLELAB_MALLOC_TUNING=0)"


@glibc
def test_tuned_process_reuses_memory_across_trials_instead_of_faulting_pages_in():
    """The reason for the setting: a trial's arrays are reused pages, not fresh ones (was ~2,500 faults)."""
    code = """
        import resource, numpy as np
        from analysis import emg, runtime
        from analysis.recording import Recording
        runtime.tune_allocator()
        raw = np.random.default_rng(0).standard_normal((20000, 8)) * 1e-4   # 10 s x 8 channels at 2 kHz
        def trial():
            rec = Recording(samples=raw * 1.0, sampling_rate_hz=2000.0, channel_names=[f"EMG {i}" for i in range(8)],
                            units=["V"] * 8, channel_kinds=["emg"] * 8)
            emg.process(rec)
        for _ in range(3):                                                  # warm-up: the heap grows once
            trial()
        start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(5):
            trial()
        print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start) / 5)
    """
    faults_per_trial = float(_python(code, ANKLELAB_MALLOC_TUNING="1"))
    # a 10-s 8-channel trial's arrays span ~2,500 pages; reused, almost none fault in again
    assert faults_per_trial < 50


@glibc
def test_local_feature_workers_run_tuned():
    runner = features._ProcessRunner(1)
    try:
        assert runner.pool.submit(runtime.allocator_tuning).result(timeout=60).startswith("applied")
    finally:
        runner.close()


def test_script_without_main_guard_gets_one_clear_error_not_a_failure_per_trial(tmp_path):
    """A user's script that forgets ``if __name__ == "__main__":`` is told so, once, instead of every trial
    failing with a broken worker pool (each new pool's workers re-run the script and die)."""
    script = tmp_path / "my_analysis.py"
    script.write_text(
        textwrap.dedent(f"""
        import tempfile
        from pathlib import Path
        from analysis import features
        from analysis.bench.study import make_bench_study, _bench_pipeline
        study = make_bench_study(Path(tempfile.mkdtemp(dir={str(tmp_path)!r})), 1, 1)
        features.extract_features(study, pipeline=_bench_pipeline(), workers=1, progress=False, write=False)
        print("finished")
    """)
    )
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode != 0 and "finished" not in result.stdout
    assert 'put the call under `if __name__ == "__main__":`' in result.stderr
    assert result.stderr.count("AnkleLabError: the local worker processes could not start") == 1
    assert result.stderr.count("RuntimeError") <= 2  # the one worker's bootstrap error, not one per trial
