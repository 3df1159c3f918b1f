"""Malformed inputs of every supported format (generated here, see tests/readers_corpus.py): each mutation has
one exact outcome -- a ReadError naming the file and a position, a lenient read with a warning and exactly the
rows the file holds, or the same samples as the valid file -- and every read takes under 5 s."""

from __future__ import annotations

import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from analysis.errors import ReadError
from analysis.io import FORMATS, ReadWarning, read_recording
from analysis.paths import VENDORED_REAL_DIR
from analysis.recording import Recording
from tests.readers_corpus import ERROR, LENIENT, NEGATED, SAME, Case, Source, all_cases

MAX_READ_S = 5.0  # issue 14: no read of a file under 10 MB may take longer
MIN_MUTATION_KINDS = 20  # issue 14: at least 20 mutation kinds per format


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[Case]:
    return all_cases(tmp_path_factory.mktemp("corpus_src"), VENDORED_REAL_DIR)


def _timed_read(path: Path, **options) -> Recording:
    started = time.perf_counter()
    try:
        return read_recording(path, **options)
    finally:
        elapsed = time.perf_counter() - started
        assert elapsed < MAX_READ_S, f"{path.name}: read took {elapsed:.1f} s"


def _error(path: Path, **options) -> ReadError:
    with pytest.raises(ReadError) as info:
        _timed_read(path, **options)
    exc = info.value
    assert exc.path == path and str(path) in str(exc), str(exc)
    assert exc.where, f"no position (line, byte, sample, parameter or dataset) in: {exc}"
    return exc


def _reference(src: Source, folder: Path) -> Recording:
    path = folder / f"ref_{src.name}_{src.filename}"
    path.write_bytes(src.raw)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReadWarning)  # the valid inputs read without any warning
        return _timed_read(path, **src.options)


def test_corpus_has_20_mutation_kinds_per_format(corpus):
    kinds: dict[str, set[str]] = {}
    for case in corpus:
        kinds.setdefault(case.source.name, set()).add(case.mutation)
    assert len(kinds) == 17
    thin = {name: len(k) for name, k in kinds.items() if len(k) < MIN_MUTATION_KINDS}
    assert not thin, thin


def test_every_mutation_has_its_exact_outcome(corpus, tmp_path):
    references = {}
    outcomes: Counter[str] = Counter()
    for i, case in enumerate(corpus):
        src = case.source
        if src.name not in references:
            references[src.name] = _reference(src, tmp_path)
        ref = references[src.name]
        path = tmp_path / f"{i:04d}_{case.mutation}_{src.filename}"
        path.write_bytes(case.raw)
        label = f"{src.name}/{case.mutation}"
        if case.outcome == ERROR:
            _error(path, **src.options)
            _error(path, lenient=True, **src.options)  # lenient reading relaxes nothing of these
        elif case.outcome == LENIENT:
            _error(path, **src.options)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                rec = _timed_read(path, lenient=True, **src.options)
            assert any(issubclass(w.category, ReadWarning) and str(path) in str(w.message) for w in caught), label
            assert rec.metadata["read_warnings"], label
            np.testing.assert_array_equal(rec.samples, ref.samples[case.keep], err_msg=label)
            assert rec.sampling_rate_hz == ref.sampling_rate_hz, label
        elif case.outcome == SAME:
            rec = _timed_read(path, **src.options)
            np.testing.assert_array_equal(rec.samples, ref.samples, err_msg=label)
            assert rec.sampling_rate_hz == ref.sampling_rate_hz, label
        elif case.outcome == NEGATED:
            rec = _timed_read(path, **src.options)
            assert rec.channel_names == ref.channel_names, label
            np.testing.assert_allclose(rec.samples, -ref.samples, rtol=0, atol=0, err_msg=label)
        outcomes[case.outcome] += 1
    assert sum(outcomes.values()) == len(corpus)


#: formats parsed by a library (ezc3d, h5py, pyreadr): its own error on garbage is wrapped with the file's name
LIBRARY_FORMATS = ("c3d", "opensignals_h5", "r_emg")


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000), lenient=st.booleans())
def test_random_bytes_give_read_error_or_recording(tmp_path_factory, fmt, data, lenient):
    suffix = {"c3d": ".c3d", "opensignals_h5": ".h5", "r_emg": ".RData", "opensim": ".mot"}.get(fmt, ".txt")
    path = tmp_path_factory.mktemp("rnd") / f"x{suffix}"
    path.write_bytes(data)
    try:
        rec = _timed_read(path, format=fmt, sampling_rate_hz=1000, lenient=lenient)
    except ReadError as exc:
        assert exc.path == path
        if fmt not in LIBRARY_FORMATS:  # our own parsers: a wrapped Python error here is a reader bug, not bad bytes
            assert exc.__cause__ is None, f"{fmt}: {exc}"
    else:  # by chance a valid file: then it passed every check
        assert isinstance(rec, Recording) and rec.n_samples >= 2 and np.isfinite(rec.samples).all()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    offsets=st.lists(st.integers(min_value=0, max_value=2**31), min_size=1, max_size=4),
    xor=st.integers(min_value=1, max_value=255),
)
# found by this test: a parameter's dimension count 2 -> 29 made np.prod of its 29 dimension bytes wrap to a small
# int64, the check passed, and ezc3d then spent 46 s and 12 GB on the file
@example(offsets=[742], xor=31)
def test_byte_flips_in_real_c3d_give_read_error_or_checked_recording(tmp_path_factory, offsets, xor):
    raw = bytearray((VENDORED_REAL_DIR / "c3d_gait_grf_emg" / "pyomeca_markers_analogs.c3d").read_bytes())
    params_end = (raw[0] - 1) * 512 + raw[(raw[0] - 1) * 512 + 2] * 512
    for offset in offsets:  # header and parameter section: what ezc3d trusts for layout
        raw[offset % params_end] ^= xor
    path = tmp_path_factory.mktemp("flip") / "x.c3d"
    path.write_bytes(bytes(raw))
    try:
        rec = _timed_read(path)
    except ReadError as exc:
        assert exc.path == path
    else:
        assert rec.n_samples >= 2


def test_lenient_must_be_a_bool(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("time_s,x [N]\n0,1\n0.001,2\n")
    with pytest.raises(ReadError, match="lenient"):
        read_recording(path, lenient="yes")


def test_warnings_are_recorded_and_emitted_once_per_problem(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("time_s,x [N]\n0,1\n\n0.001,2\n0.002,3\n")
    with pytest.raises(ReadError) as info:
        read_recording(path)
    assert info.value.where == "line 3" and "blank line" in str(info.value)
    with pytest.warns(ReadWarning, match="line 3"):
        rec = read_recording(path, lenient=True)
    assert rec.metadata["read_warnings"] == [
        "line 3: blank line inside the numeric block (numeric rows above and below it) (left out: lenient reading)"
    ]
    np.testing.assert_array_equal(rec.channel("x"), [1.0, 2.0, 3.0])


def test_negative_only_force_is_read_not_taken_as_a_name(tmp_path):
    path = tmp_path / "fz.txt"
    path.write_text("".join(f"{-600 - i:.3f}\n" for i in range(50)))
    rec = read_recording(path, sampling_rate_hz=1000)
    assert rec.channel_names == ["Fz"] and rec.n_samples == 50 and rec.samples[0, 0] == -600.0


def test_truncated_csv_is_diagnosed_as_truncated(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("time_s,EMG 1 [mV],Fz1 [N]\n0.000,1,700\n0.001,2,701\n0.002,3")
    with pytest.raises(ReadError) as info:
        read_recording(path)
    assert info.value.where == "line 4" and "truncated" in str(info.value)
    path.write_text("time_s,EMG 1 [mV],Fz1 [N]\n0.00")
    with pytest.raises(ReadError, match="truncated"):
        read_recording(path)


def test_empty_netforce_header_is_not_called_duplicate(tmp_path):
    path = tmp_path / "nf.txt"
    path.write_text(
        "AMTI NetForce\tC:\\x.txt\t\t\n\t\t\t\n\tN\tN\tN\n\t-\t-\t-\n"
        + "".join(f"{i}\t1\t2\t{700 + i}\n" for i in range(9))
    )
    with pytest.raises(ReadError) as info:
        read_recording(path, sampling_rate_hz=1000)
    assert "empty" in str(info.value) and "duplicate" not in str(info.value) and info.value.where == "line 2"


@pytest.mark.parametrize(
    "body",
    [
        "time_s,a\n" + "1" * 1_000_000 + "x\n0,1\n0.001,2\n",  # a garbled 1 MB cell (regex backtracking took 20 s+)
        "time_s,a\n0,1\n1," + " " * 1_000_000 + "x\n0.001,2\n",
        "time_s,a" + " " * 1_000_000 + "(\n0,1\n0.001,2\n",  # a header cell ending in an unclosed '('
        "\t" * 1_000_000 + "\n0\t1\n0.001\t2\n",
    ],
    ids=["digits", "blanks_in_cell", "header_blanks", "tabs"],
)
def test_pathological_long_lines_fail_fast(tmp_path, body):
    path = tmp_path / "long.csv"
    path.write_text(body)
    for fmt in ("generic_csv", "fz_text", "netforce_txt", "opensim"):
        try:  # a blank (tabs-only) line above two plain rows is a valid two-column force file
            _timed_read(path, format=fmt, sampling_rate_hz=1000)
        except ReadError as exc:
            assert exc.path == path
