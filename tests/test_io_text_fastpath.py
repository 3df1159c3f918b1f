"""The delimited-text parser's fast path (one regex per plain numeric row) never accepts a row that the
careful per-cell check would reject, and the parsed table is the same with and without it."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.readers import text as text_reader

_CELLS = st.sampled_from(
    [
        "",
        " ",
        "1",
        "-2.5",
        "+.5",
        "3.",
        "1e3",
        "1E-2",
        "nan",
        "inf",
        "1_0",
        "a",
        '"4"',
        "\x0b7",
        " 8 ",
        "\t9",
        "0x1",
        "١",
        "--1",
        "1e",
        ".",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    delimiter=st.sampled_from([None, ",", ";", "\t", " "]),
    cells=st.lists(_CELLS, min_size=1, max_size=4),
    n_fields=st.integers(min_value=1, max_value=4),
)
def test_plain_row_pattern_accepts_only_rows_the_careful_check_accepts(delimiter, cells, n_fields):
    joiner = delimiter if delimiter is not None else ""
    line = joiner.join(cells)
    if text_reader._plain_row_pattern(delimiter, n_fields).fullmatch(line):
        split = text_reader._split(line, delimiter)
        assert line.strip()
        assert len(split) == n_fields
        assert text_reader._numeric_row(split) or all(c == "" for c in split)


def test_plain_row_pattern_exact_cases():
    comma = text_reader._plain_row_pattern(",", 3).fullmatch
    assert comma("0.005,-1e-3, 7 ")
    assert comma(",,")  # empty cells: a padded row, as the careful check allows
    assert not comma("1,2")  # too few fields
    assert not comma('1,"2",3')  # quoted: left to csv.reader
    assert not comma("1,nan,3")  # float() accepts nan: left to the careful check
    space = text_reader._plain_row_pattern(" ", 2).fullmatch
    assert space("  1.5   -2 ") and not space("1") and not space("1 2 3")
    one = text_reader._plain_row_pattern(None, 1).fullmatch
    assert one("623.239") and not one("") and not one("Fz")


def test_parse_table_same_block_with_header_units_and_odd_rows(tmp_path):
    text = (
        "Sampling rate: 1000 Hz\n\ntime_s,EMG 1,Fz\ns,mV,N\n"
        + "".join(f"{i / 1000:.3f},{(-1) ** i * 0.25 * i},{700 + i}\n" for i in range(30))
        + '0.030,"1.5",731\n0.031,nan,732\n0.032,,\n'
    )
    table = text_reader.parse_table(Path(tmp_path / "t.csv"), text)
    assert table.header == ["time_s", "EMG 1", "Fz"]
    assert table.extra_header_rows == [["s", "mV", "N"]]
    assert table.preamble == ["Sampling rate: 1000 Hz", ""]
    assert table.first_data_line == 5
    assert table.data.shape == (33, 3)
    assert table.data[30].tolist() == [0.030, 1.5, 731.0]
    assert table.data[31, 0] == 0.031 and table.data[31, 2] == 732.0
