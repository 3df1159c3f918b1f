"""“Where in the movement” sections of reports 02 (EMG envelopes) and 03 (vertical force): whole-curve SPM on
the curves table (``FeatureResult.curves``, CURVES contract), its cluster table and figures, and beside claims
C1, C5 and C6 a note saying where in the movement the effect lies (the scalar verdict stays the verdict).

Computing is :mod:`analysis.stats.spm` (spm1d, optional, GPL-3.0, imported only when a test runs), drawing is
:mod:`analysis.plots.spm`. Every design that cannot run on a study (no curves, no unloaded trials, fewer than
3 subjects or load levels, spm1d missing) becomes a row of the ``skipped`` table with its reason: a section
never fails on a study that lacks what it needs.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError
from analysis.sections.section import Section
from analysis.stats.spm import SpmResult

__all__ = [
    "CurveTests",
    "SpmOptions",
    "DESIGNS",
    "study_curves",
    "with_load_levels",
    "preferred_unit",
    "curve_tests",
    "cluster_display_table",
    "where_text",
    "emg_where_in_movement",
    "force_where_in_movement",
    "c5_where_in_movement",
    "c6_where_in_movement",
]

# α of the field's reporting convention (Pataky 2012, Comput Methods Biomech Biomed Engin 15(3):295; spm1d examples)
DEFAULT_ALPHA = 0.05
# permutations of the non-parametric option in a report: 1000 resolve p near α = 0.05 (Nichols & Holmes 2002,
# Hum Brain Mapp 15(1):1-25); analysis.stats.spm's library default of 10 000 is for final analyses
DEFAULT_REPORT_ITERATIONS = 1000
# RM ANOVA across load levels only with >= 3 levels (issue 17; with 2 levels it is the paired test again)
MIN_ANOVA_LEVELS = 3
# unit preferred per curve (CURVES contract): %MVC and BW compare subjects, mV and N do not
PREFERRED_UNITS = {"emg_envelope": ("%MVC", "mV"), "vertical_force": ("BW", "N")}
# loaded vs unloaded = full-range loading vs none, as section 1 of report 02 and claim C1 use
UNLOADED, LOADED = "none", "full_range"
#: design key -> what the report calls it
DESIGNS = {
    "paired": "paired SPM{t}: loaded (full range) − unloaded",
    "regression": "SPM{t} regression on load (%BW), subject slopes",
    "anova_rm": "one-way RM ANOVA SPM{F} across load levels",
    "c5": "paired SPM{t}: brief high load − sustained low load",
    "c6": "paired SPM{t}: mid-range − full-range loading (4–6 lb)",
}
# direction of a t cluster (+1 above t*, -1 below -t*) in words, per design
_DIRECTION = {
    "paired": ("loaded > unloaded", "loaded < unloaded"),
    "regression": ("rises with load", "falls with load"),
    "c5": ("brief high > sustained low", "brief high < sustained low"),
    "c6": ("mid-range > full-range", "mid-range < full-range"),
}


_SKIPPED_COLUMNS = ["design", "exercise", "channel", "reason"]
#: the load designs analysis.stats.spm.spm_by_channel runs
LoadDesign = Literal["paired", "regression", "anova_rm"]


@dataclass(frozen=True)
class SpmOptions:
    """How every SPM of a report is run (notebook parameters)."""

    alpha: float = DEFAULT_ALPHA
    nonparametric: bool = False
    iterations: int = DEFAULT_REPORT_ITERATIONS
    seed: int = 0

    def kwargs(self) -> dict[str, Any]:
        return {
            "alpha": self.alpha,
            "nonparametric": self.nonparametric,
            "iterations": self.iterations,
            "seed": self.seed,
        }

    def describe(self) -> str:
        if self.nonparametric:
            return (
                f"non-parametric SnPM (permutation test: every permutation up to {self.iterations:,}, else "
                f"{self.iterations:,} drawn with seed {self.seed}), α = {self.alpha:g}"
            )
        return f"parametric SPM (random field theory inference), α = {self.alpha:g}"


@dataclass
class CurveTests:
    """What one curve's SPM designs produced: results per design, the tidy cluster table, the skipped designs."""

    curve: str
    unit: str | None
    options: SpmOptions
    results: dict[str, list[SpmResult]] = field(default_factory=dict)
    skipped: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=_SKIPPED_COLUMNS))

    @property
    def clusters(self) -> pd.DataFrame:
        """One row per supra-threshold cluster (or per test without one); ``design`` keys :data:`DESIGNS`."""
        tables = [r.summary().assign(design=design) for design, results in self.results.items() for r in results]
        return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=["design", "exercise"])


def study_curves(ctx: Any) -> pd.DataFrame:
    """The study's curves table (feature extraction's cache: cheap after the report's first cell)."""
    from analysis.features import extract_features

    return extract_features(ctx.study, workers=2, progress=False).curves


def with_load_levels(curves: pd.DataFrame) -> pd.DataFrame:
    """The curves with the design's nominal load (``load_nominal``, ``load_level``; plots.forceplate's rule).

    Computed once per trial, then mapped onto the curve points (a curves table has 101 rows per curve).
    """
    from analysis.plots.forceplate import nominal_loads

    if curves.empty or "trial_id" not in curves.columns:
        return curves.assign(load_nominal=np.nan, load_level="unknown")
    trials = curves.drop_duplicates("trial_id")[["trial_id", "exercise", "load_phase", "load_lb", "load_pct_bw"]]
    levels = nominal_loads(trials).set_index("trial_id")[["load_nominal", "load_level"]]
    return curves.join(levels, on="trial_id")


def preferred_unit(curves: pd.DataFrame, curve: str) -> str | None:
    """The unit a report tests ``curve`` in: the first of :data:`PREFERRED_UNITS` present, else any."""
    if curves.empty or "curve" not in curves.columns:
        return None
    units = set(curves.loc[curves["curve"] == curve, "unit"].dropna().astype(str))
    for unit in PREFERRED_UNITS.get(curve, ()):
        if unit in units:
            return unit
    return sorted(units)[0] if units else None


def _sessions_with(rows: pd.DataFrame, column: str, value: Any) -> pd.DataFrame:
    """Rows of the sessions in which ``column == value`` occurs (so a pair never spans two sessions' design)."""
    sessions = set(rows.loc[rows[column] == value, "session"])
    return rows[rows["session"].isin(sessions)]


def _eligible(rows: pd.DataFrame, design: str) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Per exercise: the rows a design can run on, and a skipped row (with the reason) for each exercise it cannot."""
    keep: list[pd.DataFrame] = []
    skipped: list[dict[str, Any]] = []
    for exercise, d in rows.groupby("exercise", sort=True):
        d = d[d["load_phase"].isin([UNLOADED, LOADED])]
        has = set(d["load_phase"])
        if design == "paired" and has != {UNLOADED, LOADED}:
            lacking = "unloaded" if UNLOADED not in has else "full-range loaded"
            skipped.append({"exercise": exercise, "reason": f"no {lacking} {rows['curve'].iloc[0]} curves"})
            continue
        if LOADED in has:
            d = _sessions_with(d, "load_phase", LOADED)
        n_levels = d["load_nominal"].nunique()
        if design == "regression" and n_levels < 2:
            skipped.append({"exercise": exercise, "reason": f"one load level only ({n_levels})"})
            continue
        if design == "anova_rm" and n_levels < MIN_ANOVA_LEVELS:
            skipped.append(
                {
                    "exercise": exercise,
                    "reason": f"{n_levels} load level(s): the RM ANOVA is run where there are ≥ {MIN_ANOVA_LEVELS} "
                    "(with 2 it is the paired test)",
                }
            )
            continue
        keep.append(d)
    eligible = pd.concat(keep) if keep else rows.iloc[0:0]
    return eligible, [{"design": design, "channel": "all", **s} for s in skipped]


def _level_labels(rows: pd.DataFrame) -> dict[str, str]:
    """``"load_nominal=4"`` (analysis.stats.spm's group label) -> ``"4 %BW"``, for the figure legends."""
    pairs = rows.drop_duplicates(["load_nominal"])[["load_nominal", "load_level"]].dropna()
    return {f"load_nominal={v:g}": str(level) for v, level in zip(pairs["load_nominal"], pairs["load_level"])}


# internal column names in analysis.stats.spm's test names -> words for figure titles
_TEST_WORDS = {"load_nominal": "nominal load", "load_pct_bw": "load (%BW)", "load_phase": "load phase"}


def _relabel(results: list[SpmResult], labels: dict[str, str]) -> None:
    """Group labels and test names as a reader reads them (figure legends and titles)."""
    for r in results:
        r.groups = {labels.get(k, k): v for k, v in r.groups.items()}
        for column, words in _TEST_WORDS.items():
            r.test = r.test.replace(column, words)
        if r.test.startswith("paired t") and len(r.groups) == 2:  # groups: reference first, then treatment
            reference, treatment = list(r.groups)
            r.test = f"paired t: {treatment} − {reference}"


def curve_tests(
    curves: pd.DataFrame,
    *,
    curve: str,
    exercises: Sequence[str] | None = None,
    channels: Sequence[str] | None = None,
    designs: Sequence[LoadDesign] = ("paired", "regression", "anova_rm"),
    options: SpmOptions | None = None,
) -> CurveTests:
    """Run the load designs of ``curve`` for every exercise x channel (``exercises``/``channels`` None = all).

    ``paired``: loaded (full range) vs unloaded subject-mean curves; ``regression``: subject slopes on %BW over
    the unloaded and full-range levels; ``anova_rm``: across the nominal load levels where there are >= 3.
    The unit is :func:`preferred_unit`. A design that cannot run is a ``skipped`` row with its reason; a missing
    spm1d skips everything with the reason (how to install it).
    """
    from analysis.stats.spm import SpmUnavailableError, spm_by_channel

    options = options or SpmOptions()
    unit = preferred_unit(curves, curve)
    out = CurveTests(curve, unit, options)
    rows = curves.iloc[0:0]
    if unit is not None:
        rows = curves[(curves["curve"] == curve) & (curves["unit"] == unit)]
        if exercises is not None:
            rows = rows[rows["exercise"].isin(list(exercises))]
        if channels is not None:
            rows = rows[rows["channel"].isin(list(channels))]
    skipped: list[dict[str, Any]] = []
    if rows.empty:
        skipped.append({"design": "all", "exercise": "all", "channel": "all", "reason": f"no {curve} curves"})
    else:
        rows = with_load_levels(rows)
        labels = {**_level_labels(rows), UNLOADED: "unloaded", LOADED: "loaded (full range)"}
        specific: dict[str, dict[str, Any]] = {
            "paired": {"condition": "load_phase", "reference": UNLOADED, "treatment": LOADED},
            "regression": {"x": "load_pct_bw", "display_by": "load_nominal"},
            "anova_rm": {"factor": "load_nominal"},
        }
        for design in designs:
            eligible, reasons = _eligible(rows, design)
            skipped += reasons
            if eligible.empty:
                continue
            try:
                results, not_run = spm_by_channel(
                    eligible, design, curve=curve, unit=unit, **specific[design], **options.kwargs()
                )
            except SpmUnavailableError as exc:
                skipped.append({"design": "all", "exercise": "all", "channel": "all", "reason": str(exc)})
                break
            _relabel(results, labels)
            out.results[design] = results
            skipped += not_run.assign(design=design).to_dict("records")
    out.skipped = pd.DataFrame(skipped, columns=_SKIPPED_COLUMNS)
    return out


def _p_text(p: float) -> str:
    return "–" if not np.isfinite(p) else ("< 0.001" if p < 0.001 else f"{p:.3f}")


def _range_text(start: float, end: float) -> str:
    digits = 1 if end - start < 2 else 0  # a narrow cluster keeps a decimal: never "15–15 %"
    return f"{start:.{digits}f}–{end:.{digits}f} %"


def cluster_display_table(clusters: pd.DataFrame, *, channel_label: str = "muscle") -> pd.DataFrame:
    """The cluster table as a reader scans it: exercise, channel, test, n, α, threshold, each cluster's extent
    (start–end % of the movement), direction and cluster p; a test without a cluster says so in one row."""
    columns = ["exercise", channel_label, "test", "n subjects", "α", "threshold", "cluster (% of movement)"]
    columns += ["direction", "cluster p"]
    if clusters.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for r in clusters.itertuples(index=False):
        found = bool(np.isfinite(r.start_pct))
        direction = ""
        if found and r.design in _DIRECTION:
            direction = _DIRECTION[r.design][0 if r.sign >= 0 else 1]
        elif found:
            direction = "differs between levels"
        test = DESIGNS.get(r.design, str(r.test))
        if r.nonparametric:
            test = test.replace("SPM", "SnPM", 1) + f" ({int(r.iterations):,} permutations)"
        rows.append(
            {
                "exercise": str(r.exercise).replace("_", " "),
                channel_label: str(r.channel).replace("_", " "),
                "test": test,
                "n subjects": int(r.n_subjects),
                "α": float(r.alpha),
                "threshold": f"{r.statistic}* = {r.threshold:.2f}",
                "cluster (% of movement)": _range_text(r.start_pct, r.end_pct) if found else "none above threshold",
                "direction": direction,
                "cluster p": _p_text(float(r.p)) if found else "–",
            }
        )
    return pd.DataFrame(rows, columns=columns)


def where_text(clusters: pd.DataFrame, design: str, channel: str, exercises: Sequence[str] | None = None) -> str:
    """One sentence: where in the movement ``design`` found ``channel``'s effect, per exercise."""
    if clusters.empty:
        return f"{channel.replace('_', ' ')}: no SPM result."
    d = clusters[(clusters["design"] == design) & (clusters["channel"] == channel)]
    if exercises is not None:
        d = d[d["exercise"].isin(list(exercises))]
    if d.empty:
        return f"{channel.replace('_', ' ')}: no SPM result (see the skipped designs)."
    parts = []
    for exercise, e in d.groupby("exercise", sort=True):
        found = e[np.isfinite(e["start_pct"].to_numpy(dtype=float))]
        if found.empty:
            parts.append(f"{str(exercise).replace('_', ' ')}: no cluster above the threshold")
            continue
        spans = []
        for r in found.itertuples(index=False):
            words = _DIRECTION.get(design, ("differs", "differs"))[0 if r.sign >= 0 else 1]
            spans.append(f"{_range_text(r.start_pct, r.end_pct)} ({words}, p {_p_text(float(r.p))})")
        parts.append(f"{str(exercise).replace('_', ' ')}: " + "; ".join(spans))
    return f"{channel.replace('_', ' ')} — " + " · ".join(parts) + "."


def _basis_text(tests: CurveTests) -> str:
    clusters = tests.clusters
    if clusters.empty or "basis" not in clusters:
        return ""
    bases = sorted(set(clusters["basis"].astype(str)))
    words = {"cycle": "% of the movement cycle", "onset_to_takeoff": "% of movement onset to take-off"}
    return ", ".join(words.get(b, f"% of the {b}") for b in bases)


def _show_tests(
    section: Section,
    tests: CurveTests,
    *,
    figure_channels: Sequence[str] | None,
    channel_label: str,
    csv_path: Path | None,
) -> None:
    """Cluster table, one figure per design (figure channels only) and the skipped designs with reasons."""
    from analysis.io import save_table
    from analysis.plots.spm import spm_figure, spm_grid_figure

    clusters = tests.clusters
    section.tables["clusters"] = clusters
    section.tables["skipped"] = tests.skipped
    if csv_path is not None and not clusters.empty:
        save_table(clusters, csv_path)
    if clusters.empty:
        section.note(f"No SPM could be run on the {tests.curve.replace('_', ' ')} curves (reasons below).")
    else:
        section.html(
            f"<p>{html.escape(tests.options.describe())}; unit: {html.escape(str(tests.unit))}; x axis: "
            f"{html.escape(_basis_text(tests))}. One row per supra-threshold cluster.</p>"
        )
        section.table(cluster_display_table(clusters, channel_label=channel_label), wrap_em=24, max_rows=60)
        for design, results in tests.results.items():
            shown = [r for r in results if figure_channels is None or r.selection.get("channel") in figure_channels]
            if len(shown) == 1:
                exercise = str(shown[0].selection.get("exercise")).replace("_", " ")
                section.figure(spm_figure(shown[0], title=f"{exercise}: {DESIGNS[design]}"))
            elif shown:
                # one row per exercise when at most 3 channels are drawn
                n_channels = len({r.selection.get("channel") for r in shown})
                section.figure(spm_grid_figure(shown, columns=min(max(n_channels, 1), 3), title=DESIGNS[design]))
    if len(tests.skipped):
        section.html("<p><b>Designs not run</b>, and why:</p>")
        section.table(tests.skipped.rename(columns={"channel": channel_label}), wrap_em=50, max_rows=40)


def emg_where_in_movement(
    curves: pd.DataFrame,
    *,
    exercises: Sequence[str],
    figure_muscles: Sequence[str],
    options: SpmOptions | None = None,
    out_dir: Path | None = None,
) -> Section:
    """Report 02: SPM of the EMG envelopes of every muscle in ``exercises`` (paired, regression on %BW and RM
    ANOVA where >= 3 load levels), figures for ``figure_muscles``, cluster table written to
    ``spm_emg_clusters.csv``; ``values["tests"]`` keeps the :class:`CurveTests` for the claims' notes."""
    tests = curve_tests(curves, curve="emg_envelope", exercises=exercises, options=options)
    section = Section(values={"tests": tests})
    _show_tests(
        section,
        tests,
        figure_channels=figure_muscles,
        channel_label="muscle",
        csv_path=None if out_dir is None else Path(out_dir) / "spm_emg_clusters.csv",
    )
    return section


def force_where_in_movement(
    curves: pd.DataFrame, *, options: SpmOptions | None = None, out_dir: Path | None = None
) -> Section:
    """Report 03: SPM of the vertical force curves by load for every exercise, table ``spm_force_clusters.csv``."""
    tests = curve_tests(curves, curve="vertical_force", options=options)
    section = Section(values={"tests": tests})
    _show_tests(
        section,
        tests,
        figure_channels=None,
        channel_label="curve",
        csv_path=None if out_dir is None else Path(out_dir) / "spm_force_clusters.csv",
    )
    return section


def _claim_note(section: Section, claim_id: str, lines: list[str]) -> None:
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    section.html(
        f"<p><b>{claim_id}, where in the movement</b> (the verdict above stays the verdict; this says where the "
        f"curves differ):</p><ul>{items}</ul>"
    )


def c1_where(tests: CurveTests, *, muscles: Sequence[str], exercises: Sequence[str]) -> Section:
    """Beside C1: where the paired loaded-vs-unloaded SPM of C1's muscles found clusters, per exercise."""
    section = Section()
    clusters = tests.clusters
    lines = [where_text(clusters, "paired", m, exercises) for m in muscles]
    _claim_note(section, "C1", lines or ["no C1 muscle recorded in this study."])
    return section


def c5_trial_protocols(emg: pd.DataFrame | None) -> pd.Series:
    """C5's protocol of each trial (``sustained_low`` / ``brief_high``) from the EMG features, by the claim's
    own rule (:func:`analysis.claims.emg_claims.c5_protocol` on the set's time under load), indexed by trial_id."""
    from analysis.claims.emg_claims import c5_protocol, emg_amplitude_rows

    if emg is None or emg.empty or "duration_s" not in emg.columns:
        return pd.Series(dtype=object)
    rows, _ = emg_amplitude_rows(emg)
    # time under load of a set = its movement windows' duration, summed per trial and muscle (as claim C5)
    rows = rows.assign(duration_s=rows.groupby(["trial_id", "muscle"])["duration_s"].transform("sum"))
    protocol = c5_protocol(rows).groupby(rows["trial_id"]).first()
    return protocol.dropna()


def c5_where_in_movement(
    curves: pd.DataFrame,
    emg: pd.DataFrame | None,
    *,
    muscles: Sequence[str] = ("soleus", "gastrocnemius_medialis", "vastus_lateralis"),
    options: SpmOptions | None = None,
) -> Section:
    """Beside C5: paired SPM of the envelopes, brief high load vs sustained low load (the claim's protocols)."""
    from analysis.stats.spm import SpmUnavailableError, spm_paired

    options = options or SpmOptions()
    protocols = c5_trial_protocols(emg)
    tests = CurveTests("emg_envelope", preferred_unit(curves, "emg_envelope"), options)
    skipped: list[dict[str, Any]] = []
    rows = curves[curves["trial_id"].isin(protocols.index)] if len(protocols) and not curves.empty else curves.iloc[0:0]
    rows = rows[(rows["curve"] == "emg_envelope") & (rows["unit"] == tests.unit)] if len(rows) else rows
    if rows.empty:
        skipped.append(
            {"design": "c5", "exercise": "all", "channel": "all", "reason": "no envelope of a C5 protocol trial"}
        )
    else:
        rows = rows.assign(c5_protocol=rows["trial_id"].map(protocols))
        # exercises performed under both protocols: the contrast is then the protocol, not the exercise (as C5)
        both = rows.groupby("exercise")["c5_protocol"].transform("nunique") == 2
        rows = rows[both]
        results = []
        for (exercise, channel), _ in rows[rows["channel"].isin(list(muscles))].groupby(["exercise", "channel"]):
            try:
                result = spm_paired(
                    rows,
                    curve="emg_envelope",
                    channel=channel,
                    unit=tests.unit,
                    exercise=exercise,
                    condition="c5_protocol",
                    reference="sustained_low",
                    treatment="brief_high",
                    **options.kwargs(),
                )
            except SpmUnavailableError as exc:
                skipped.append({"design": "c5", "exercise": "all", "channel": "all", "reason": str(exc)})
                break
            except AnalysisError as exc:
                skipped.append({"design": "c5", "exercise": exercise, "channel": channel, "reason": str(exc)})
                continue
            _relabel([result], {"sustained_low": "sustained low load", "brief_high": "brief high load"})
            results.append(result)
        tests.results["c5"] = results
    tests.skipped = pd.DataFrame(skipped, columns=_SKIPPED_COLUMNS)
    section = Section(values={"tests": tests})
    _claim_note(section, "C5", [where_text(tests.clusters, "c5", m) for m in muscles])
    _show_tests(section, tests, figure_channels=None, channel_label="muscle", csv_path=None)
    return section


def c6_where_in_movement(curves: pd.DataFrame, *, options: SpmOptions | None = None) -> Section:
    """Beside C6: paired SPM of the squat's vertical force, mid-range vs full-range loading at 4–6 lb (the
    claim's own selection), in BW when body weight is known."""
    from analysis.stats.spm import spm_paired

    options = options or SpmOptions()
    tests = CurveTests("vertical_force", preferred_unit(curves, "vertical_force"), options)
    skipped: list[dict[str, Any]] = []
    rows = curves
    if not rows.empty:
        rows = rows[
            (rows["curve"] == "vertical_force")
            & (rows["unit"] == tests.unit)
            & (rows["exercise"] == "squat")
            & rows["load_lb"].between(4, 6)
            & rows["load_phase"].isin(["mid_range", "full_range"])
        ]
    if rows.empty or set(rows["load_phase"]) != {"mid_range", "full_range"}:
        reason = "no squat vertical-force curves under both mid-range and full-range loading at 4–6 lb"
        skipped.append({"design": "c6", "exercise": "squat", "channel": "fz", "reason": reason})
    else:
        try:
            result = spm_paired(
                rows,
                curve="vertical_force",
                channel="fz",
                unit=tests.unit,
                exercise="squat",
                condition="load_phase",
                reference="full_range",
                treatment="mid_range",
                **options.kwargs(),
            )
            _relabel([result], {"full_range": "full-range loading", "mid_range": "mid-range loading"})
            tests.results["c6"] = [result]
        except AnalysisError as exc:  # SpmUnavailableError included: the reason says how to install spm1d
            skipped.append({"design": "c6", "exercise": "squat", "channel": "fz", "reason": str(exc)})
    tests.skipped = pd.DataFrame(skipped, columns=_SKIPPED_COLUMNS)
    section = Section(values={"tests": tests})
    _claim_note(section, "C6", [where_text(tests.clusters, "c6", "fz")])
    _show_tests(section, tests, figure_channels=None, channel_label="curve", csv_path=None)
    return section
