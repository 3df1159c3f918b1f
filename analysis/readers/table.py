"""The delimited-text table engine behind every text layout: preamble, delimiter, header row, unit rows and
one complete numeric block.

The numeric block is found from the end of the file (exports put their samples last). It must be complete:
a blank, short or garbled row with numeric rows above *and* below it, or a last line cut short, is a
``ReadError`` naming the line. With ``lenient=True`` what carries no sample is left out with a warning:
blank lines inside the block and a cut-off last line; a garbled or short row stays an error in both modes
(it may be a lost sample, and leaving it out would shift every time after it). Rows that are never part of
a block (the header, unit rows, a preamble) are recognised because no numeric row of the block's width
stands above them.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analysis.errors import ReadError
from analysis.readers.checks import structure_problem

__all__ = ["TextTable", "parse_table", "trim_trailing_incomplete"]

_DELIMITERS = ("\t", ",", ";", " ")  # " " means runs of whitespace
_TAIL_LINES = 40  # lines from the end used to choose the delimiter
_MAX_LISTED = 5  # gap lines named one by one in a lenient warning; the rest are counted
#: a line made only of delimiters and blanks carries no value (an "empty row" of a spreadsheet export)
_EMPTY_ROW = re.compile(r"[\s,;]*")


@dataclass
class TextTable:
    """A parsed text export: what came before the header, the header, unit rows and the numbers."""

    delimiter: str | None
    preamble: list[str]
    header: list[str] | None
    extra_header_rows: list[list[str]]
    data: np.ndarray
    first_data_line: int  # 1-based line number of the first numeric row
    trimmed_trailing_rows: int = 0
    notes: dict[str, Any] = field(default_factory=dict)
    #: 1-based line number of every data row (rows left out by lenient reading make gaps in it)
    line_numbers: np.ndarray | None = None
    #: what lenient reading left out, one message each
    warnings: list[str] = field(default_factory=list)

    def line_of(self, row: int) -> int:
        """The file line (1-based) that data row ``row`` came from."""
        if self.line_numbers is not None and 0 <= row < len(self.line_numbers):
            return int(self.line_numbers[row])
        return self.first_data_line + row


def _split(line: str, delimiter: str | None) -> list[str]:
    if delimiter is None:
        return [line.strip()]
    if delimiter == " ":
        return line.split()
    return [cell.strip() for cell in next(csv.reader([line], delimiter=delimiter))]


def _is_number(token: str) -> bool:
    if token == "":
        return True
    try:
        float(token)
    except ValueError:
        return False
    return True


def _numeric_row(cells: list[str]) -> bool:
    return any(c != "" for c in cells) and all(_is_number(c) for c in cells)


#: a plain decimal number (a strict subset of what ``float`` accepts: no nan/inf, no ``_``, ASCII digits).
#: Possessive quantifiers (``++``, ``*+``): a long run of digits or blanks never backtracks (a 20 000-digit
#: garbled cell took 20 s with plain ``+``/``*``), and the language matched is the same.
_PLAIN_NUMBER = r"[+-]?(?:[0-9]++(?:\.[0-9]*+)?+|\.[0-9]++)(?:[eE][+-]?[0-9]++)?+"


@functools.lru_cache(maxsize=64)
def _plain_row_pattern(delimiter: str | None, n_fields: int) -> re.Pattern:
    """Rows made only of plain numbers (or empty cells) and ``n_fields`` fields, without quotes.

    Every line it matches is one the careful check (``_split`` + ``_is_number`` per cell) accepts as a data
    row with ``n_fields`` fields, so matching it first and falling back to the careful check only for the
    lines it rejects (the header, quoted cells, nan/inf, ...) finds exactly the same numeric block.
    """
    if delimiter is None and n_fields != 1:
        return re.compile(r"(?!)")  # no delimiter means one field: nothing else is a plain row
    pad = "[ ]*+" if delimiter == "\t" else "[ \t]*+"  # blanks around a cell, never the delimiter itself
    if delimiter is None or n_fields == 1:  # one column: the stripped line is the cell, never empty
        return re.compile(rf"{pad}{_PLAIN_NUMBER}{pad}")
    if delimiter == " ":  # runs of whitespace: no empty cells
        return re.compile(rf"{pad}{_PLAIN_NUMBER}(?:[ \t]++{_PLAIN_NUMBER}){{{n_fields - 1}}}{pad}")
    cell = rf"{pad}(?:{_PLAIN_NUMBER})?{pad}"
    # (?=.*\S): a blank line ends the numeric block, so it is never a plain row (a row of empty tab cells)
    return re.compile(r"(?=.*\S)" + cell + rf"(?:{re.escape(delimiter)}{cell}){{{n_fields - 1}}}")


def _fits(line: str, delimiter: str | None, n_fields: int) -> bool:
    """The careful check: ``line`` is a numeric row of ``n_fields`` fields (at least one value)."""
    if not line.strip():
        return False
    cells = _split(line, delimiter)
    return len(cells) == n_fields and _numeric_row(cells)


def _choose_delimiter(lines: list[str]) -> tuple[str | None, int]:
    """The delimiter that splits the trailing numeric rows into the most, equally many, fields."""
    tail = [ln for ln in lines[-_TAIL_LINES:] if ln.strip()]
    best: tuple[str | None, int] = (None, 1)
    for delim in _DELIMITERS:
        n_fields, n_rows = None, 0
        for line in reversed(tail):
            cells = _split(line, delim)
            if n_fields is None:
                n_fields = len(cells)
            if len(cells) != n_fields or not _numeric_row(cells):
                break
            n_rows += 1
        if n_rows and n_fields and n_fields > best[1]:
            best = (delim, n_fields)
    return best


def _is_empty_header(line: str, delimiter: str | None, n_fields: int) -> bool:
    """A header row of ``n_fields`` empty cells (only delimiters), not a blank line."""
    if delimiter in (None, " ") or n_fields < 2:
        return False
    return line.count(delimiter) == n_fields - 1 and not line.replace(delimiter, "").strip()


def _row_problem(line: str, delimiter: str | None, n_fields: int, line_no: int) -> tuple[str, str]:
    """(problem, where) for a line that is not a numeric row of the block."""
    if _EMPTY_ROW.fullmatch(line):
        return "blank line inside the numeric block (numeric rows above and below it)", f"line {line_no}"
    cells = _split(line, delimiter)
    if len(cells) != n_fields:
        return (
            f"a row of {len(cells)} field(s) inside a numeric block of {n_fields} (short, garbled or "
            f"mis-delimited row: {line.strip()[:60]!r})",
            f"line {line_no}",
        )
    bad_col = next((j for j, c in enumerate(cells) if not _is_number(c)), 0)
    return f"non-numeric value {cells[bad_col]!r} in a data row", f"line {line_no}, column {bad_col + 1}"


def _cut_last_line(
    path: Path,
    lines: list[str],
    delimiter: str | None,
    n_fields: int,
    *,
    lenient: bool,
    read_warnings: list[str],
    first_line: int,
) -> tuple[str | None, int, bool]:
    """Is the last line a row cut short (or garbled) below a block of complete rows? Then it is an error, or
    left out with a warning when lenient. Returns the delimiter, field count and whether it was left out."""
    if len(lines) < 3:
        return delimiter, n_fields, False
    above_delim, above_fields = _choose_delimiter(lines[:-1])
    last_fits = _fits(lines[-1], delimiter, n_fields)
    if not (above_fields > n_fields or not last_fits):
        return delimiter, n_fields, False
    if _fits(lines[-1], above_delim, above_fields) or not _fits(lines[-2], above_delim, above_fields):
        return delimiter, n_fields, False
    cells = _split(lines[-1], above_delim)
    if len(cells) < above_fields:
        problem = (
            f"the last line has {len(cells)} of the {above_fields} fields of the rows above it: the file ends "
            "mid-row (truncated?)"
        )
    else:
        problem = (
            f"the last line {lines[-1].strip()[:60]!r} is not a row of {above_fields} number(s) like the rows "
            "above it (truncated or garbled?)"
        )
    structure_problem(
        path,
        problem,
        where=f"line {len(lines) + first_line - 1}",
        lenient=lenient,
        read_warnings=read_warnings,
        hint="copy or export the file again; or read it leniently (lenient=True) to leave that line out",
    )
    return above_delim, above_fields, True


def parse_table(
    path: Path,
    text: str,
    *,
    delimiter: str | None = None,
    require_header: bool = False,
    lenient: bool = False,
    first_line: int = 1,
) -> TextTable:
    """Find the numeric block at the end of a text export and the header row above it.

    ``first_line`` is the file line number of ``text``'s first line (for texts that follow a header the
    caller has already read), so every message names the line of the file.
    """
    lines = text.splitlines()
    while lines and _EMPTY_ROW.fullmatch(lines[-1]):
        lines.pop()
    if not lines:
        raise ReadError(path, "the file has no lines", where=f"line {first_line}")
    read_warnings: list[str] = []
    end = len(lines)  # lines[:end] may hold the block
    if delimiter is None:
        delimiter, n_fields = _choose_delimiter(lines)
        delimiter, n_fields, cut = _cut_last_line(
            path, lines, delimiter, n_fields, lenient=lenient, read_warnings=read_warnings, first_line=first_line
        )
        end -= int(cut)
    else:
        n_fields = len(_split(lines[-1], delimiter))
    if n_fields == 1:
        delimiter = None
        if not _is_number(lines[end - 1].strip()):
            raise ReadError(
                path,
                f"no numeric data rows found (last line is {lines[end - 1][:60]!r})",
                where=f"line {end + first_line - 1}",
                hint="check the delimiter (tab, comma, semicolon) and that the file holds samples",
            )
    plain_row = _plain_row_pattern(delimiter, n_fields).fullmatch

    def is_data(k: int) -> bool:  # a row of empty cells (",,,") holds no sample: it is a blank line
        line = lines[k]
        return (bool(plain_row(line)) or _fits(line, delimiter, n_fields)) and not _EMPTY_ROW.fullmatch(line)

    def top_of_run(k: int) -> int:  # first line of the run of numeric rows ending just before line k
        while k > 0 and is_data(k - 1):
            k -= 1
        return k

    start = top_of_run(end)
    if start == end:
        raise ReadError(path, "no numeric data rows found", where=f"line {end + first_line - 1}")
    left_out: list[int] = []
    while True:  # numeric rows above a blank or garbled line: the block is broken there
        k = start - 1
        while k >= 0 and not is_data(k):
            k -= 1
        if k < 0:
            break
        gap = list(range(k + 1, start))
        garbled = [g for g in gap if not _EMPTY_ROW.fullmatch(lines[g])]
        first_bad = (garbled or gap)[0]
        problem, where = _row_problem(lines[first_bad], delimiter, n_fields, first_bad + first_line)
        if garbled or not lenient:  # a garbled row may be a lost sample: leaving it out would shift time
            structure_problem(
                path,
                problem,
                where=where,
                lenient=False,
                read_warnings=read_warnings,
                hint="fix or remove that row; readers do not guess values"
                if garbled
                else "remove the blank line(s), or read leniently (lenient=True) to leave them out with a warning",
            )
        for g in gap[:_MAX_LISTED]:
            problem, where = _row_problem(lines[g], delimiter, n_fields, g + first_line)
            structure_problem(path, problem, where=where, lenient=True, read_warnings=read_warnings)
        if len(gap) > _MAX_LISTED:
            read_warnings.append(f"{len(gap) - _MAX_LISTED} more line(s) left out up to line {gap[-1] + first_line}")
        left_out.extend(gap)
        start = top_of_run(k + 1)
    header: list[str] | None = None
    extra: list[list[str]] = []
    preamble_end = start
    # non-numeric rows with the same number of fields directly above the block
    run: list[tuple[int, list[str]]] = []
    i = start - 1
    while i >= 0 and lines[i].strip():
        cells = _split(lines[i], delimiter)
        if len(cells) != n_fields:
            break
        numeric_share = sum(1 for c in cells if c != "" and _is_number(c)) / max(1, sum(1 for c in cells if c != ""))
        if i == start - 1 and numeric_share >= 0.5 and n_fields > 1:
            bad_col = next((j for j, c in enumerate(cells) if not _is_number(c)), 0)
            raise ReadError(
                path,
                f"non-numeric value {cells[bad_col]!r} in a data row",
                where=f"line {i + first_line}, column {bad_col + 1}",
                hint="fix or remove that row; readers do not guess values",
            )
        run.insert(0, (i, cells))
        i -= 1
    if i >= 0 and _is_empty_header(lines[i], delimiter, n_fields):
        raise ReadError(
            path,
            "the header row is empty: it names none of the columns",
            where=f"line {i + first_line}",
            hint="export the file again with its column names",
        )
    if run:
        filled = [sum(1 for c in cells if c != "") for _, cells in run]
        top = filled.index(max(filled))
        preamble_end = run[top][0]
        header = run[top][1]
        extra = [cells for _, cells in run[top + 1 :]]
    elif n_fields > 1 or require_header:
        # a header with a different number of fields than the data: mis-delimited or broken export
        above = start - 1
        if above >= 0 and lines[above].strip():
            raise ReadError(
                path,
                f"the header has {len(_split(lines[above], delimiter))} field(s) but data rows have {n_fields}",
                where=f"line {above + first_line}",
                hint="check the delimiter and that the header names every column",
            )
        if require_header:
            raise ReadError(path, "no header row above the data", where=f"line {start + first_line}")
    if left_out:
        skip = set(left_out)
        kept = [k for k in range(start, end) if k not in skip]
        block = "\n".join(lines[k] for k in kept)
        line_numbers = np.asarray(kept, dtype=np.int64) + first_line
    else:
        block = "\n".join(lines[start:end])
        line_numbers = np.arange(start, end, dtype=np.int64) + first_line
    try:
        frame = pd.read_csv(
            io.StringIO(block),
            sep=r"\s+" if delimiter == " " else (delimiter or ","),
            header=None,
            dtype=float,
            engine="c" if delimiter != " " else "python",
            skip_blank_lines=False,
            names=range(n_fields),
        )
    except (ValueError, pd.errors.ParserError) as exc:
        raise ReadError(
            path,
            f"could not parse the numeric rows: {exc}",
            where=f"lines {start + first_line}-{end + first_line - 1}",
        ) from None
    return TextTable(
        delimiter=delimiter,
        preamble=lines[:preamble_end],
        header=header,
        extra_header_rows=extra,
        data=frame.to_numpy(dtype=float),
        first_data_line=start + first_line,
        line_numbers=line_numbers,
        warnings=read_warnings,
        notes={"lines": lines, "first_line": first_line},
    )


def trim_trailing_incomplete(table: TextTable, columns: list[int]) -> TextTable:
    """Drop rows at the end where any of ``columns`` is empty (exports padded with partial rows).

    Only truly empty cells count: a row at the end holding a literal ``nan`` or ``inf`` is kept, so the
    shared checks refuse it instead of it vanishing."""
    complete = np.all(np.isfinite(table.data[:, columns]), axis=1)
    if complete.all():
        return table
    last_complete = int(np.flatnonzero(complete)[-1]) if complete.any() else -1
    lines, first_line = table.notes.get("lines"), table.notes.get("first_line", 1)
    if lines is not None:
        for row in range(last_complete + 1, table.data.shape[0]):
            cells = _split(lines[table.line_of(row) - first_line], table.delimiter)
            if any(j < len(cells) and cells[j] != "" for j in columns if not np.isfinite(table.data[row, j])):
                last_complete = row  # a written non-finite value: keep it (and what comes before) for the checks
    n_trim = table.data.shape[0] - 1 - last_complete
    table.data = table.data[: last_complete + 1]
    if table.line_numbers is not None:
        table.line_numbers = table.line_numbers[: last_complete + 1]
    table.trimmed_trailing_rows = n_trim
    return table
