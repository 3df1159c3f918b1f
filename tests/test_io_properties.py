"""Property tests: broken input of every kind gives ReadError naming the file, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.errors import ReadError
from analysis.io import FORMATS, read_r_tables, read_recording
from analysis.recording import Recording

_SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

GOOD_CSV = b"time_s,EMG 1 [mV],Fz1 [N]\n" + b"".join(b"%.3f,%d,%d\n" % (i / 1000, i % 7, 700 + i) for i in range(40))


def _listing(folder: Path) -> list[tuple[str, int]]:
    return sorted((p.name, p.stat().st_size) for p in folder.iterdir())


def _check(path: Path, *, must_fail: bool, **options) -> None:
    before = _listing(path.parent)
    try:
        result = read_recording(path, **options)
    except ReadError as exc:
        assert str(path) in str(exc)
        assert exc.path == path
    else:
        assert not must_fail, f"{path.name} was read although it is broken"
        assert isinstance(result, Recording)
    assert _listing(path.parent) == before  # readers never write


@pytest.mark.parametrize("fmt", FORMATS)
@_SETTINGS
@given(data=st.binary(max_size=600))
def test_random_bytes_to_every_reader(tmp_path_factory, fmt, data):
    folder = tmp_path_factory.mktemp("rnd")
    suffix = {"c3d": ".c3d", "opensignals_h5": ".h5", "r_emg": ".RData", "opensim": ".mot"}.get(fmt, ".csv")
    path = folder / f"x{suffix}"
    path.write_bytes(data)
    # random bytes may by chance be a valid one-column number list; anything else must fail cleanly
    _check(path, must_fail=False, format=fmt, sampling_rate_hz=1000)


@_SETTINGS
@given(cut=st.integers(min_value=0, max_value=len(GOOD_CSV) - 1))
def test_truncated_csv_reads_or_fails_cleanly(tmp_path_factory, cut):
    path = tmp_path_factory.mktemp("cut") / "t.csv"
    path.write_bytes(GOOD_CSV[:cut])
    _check(path, must_fail=cut < len(b"time_s,EMG 1 [mV],Fz1 [N]\n0.000,0,700\n0.001"))


@_SETTINGS
@given(
    row=st.integers(min_value=2, max_value=38),
    col=st.integers(min_value=0, max_value=2),
    junk=st.sampled_from(["abc", "1,2", "NaN!", "--"]),
)
def test_non_numeric_cell_names_line(tmp_path_factory, row, col, junk):
    lines = GOOD_CSV.decode().splitlines()
    cells = lines[row].split(",")
    cells[col] = junk
    lines[row] = ",".join(cells)
    path = tmp_path_factory.mktemp("nn") / "t.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ReadError) as info:
        read_recording(path)
    assert info.value.where and ("line" in info.value.where or "row" in info.value.where)


@_SETTINGS
@given(delim=st.sampled_from([";", "\t", "|"]))
def test_mis_delimited_header(tmp_path_factory, delim):
    text = GOOD_CSV.decode().replace(",", delim, 2)  # header split differently from the data rows
    path = tmp_path_factory.mktemp("md") / "t.csv"
    path.write_text(text)
    with pytest.raises(ReadError) as info:
        read_recording(path)
    assert info.value.where


@pytest.fixture(scope="module")
def c3d_bytes() -> bytes:
    from analysis.paths import VENDORED_REAL_DIR

    return (VENDORED_REAL_DIR / "c3d_gait_grf_emg" / "pyomeca_markers_analogs.c3d").read_bytes()


@_SETTINGS
@given(fraction=st.floats(min_value=0.0, max_value=0.999))
def test_truncated_c3d_is_refused_before_ezc3d(tmp_path_factory, c3d_bytes, fraction):
    path = tmp_path_factory.mktemp("c3d") / "t.c3d"
    path.write_bytes(c3d_bytes[: int(len(c3d_bytes) * fraction)])
    _check(path, must_fail=True)


@_SETTINGS
@given(offset=st.integers(min_value=0, max_value=511), value=st.integers(min_value=0, max_value=255))
def test_c3d_header_byte_corruption(tmp_path_factory, c3d_bytes, offset, value):
    # header bytes that ezc3d trusts for layout: corruptions must be refused or read, never crash/hang
    if offset not in range(0, 20):
        offset = offset % 20
    raw = bytearray(c3d_bytes)
    raw[offset] = value
    path = tmp_path_factory.mktemp("c3dh") / "t.c3d"
    path.write_bytes(bytes(raw))
    _check(path, must_fail=False)


@_SETTINGS
@given(data=st.binary(max_size=300))
def test_r_tables_random_bytes(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("r") / "x.rda"
    path.write_bytes(b"\x1f\x8b" + data)
    before = _listing(path.parent)
    with pytest.raises(ReadError):
        read_r_tables(path)
    assert _listing(path.parent) == before


def test_empty_file_every_format(tmp_path):
    for fmt in FORMATS:
        path = tmp_path / f"empty_{fmt}.dat"
        path.write_bytes(b"")
        with pytest.raises(ReadError) as info:
            read_recording(path, format=fmt, sampling_rate_hz=1000)
        assert str(path) in str(info.value)
