"""Claims overview: what each claim needs, the verdict table as a reader sees it, and a forest plot of
every tested part against the range the article claims (notebook 00).

A forest plot shows the estimate with its 95 % interval (thin) and 90 % interval (thick): the verdict
rules of :mod:`analysis.claims` read exactly these two intervals against the shaded "claimed" zone, so a
reader can check each verdict by eye. Each claim gets its own row on its own natural scale (%, rate
ratio, °, %BW per kg): putting them on one axis would be meaningless.
"""

from __future__ import annotations

import html
import json
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis import paths
from analysis.claims import CLAIMS, DEFAULT_TOLERANCES
from analysis.errors import AnalysisError

__all__ = [
    "VERDICT_COLOURS",
    "REPORT_PAGES",
    "ClaimedZone",
    "claim_requirements",
    "claims_display_table",
    "claim_parts",
    "claimed_zone",
    "forest_figure",
    "report_pages",
    "report_links_html",
]

#: One colour per verdict, colour-blind-safe (Okabe & Ito 2008 palette).
VERDICT_COLOURS = {
    "supported": "#009E73",
    "contradicted": "#D55E00",
    "inconclusive": "#E69F00",
    "not testable": "#999999",
}
#: The detailed reports the overview links to (relative links: reports sit side by side).
REPORT_PAGES = (
    ("01_emg_quality.html", "EMG quality and processing"),
    ("02_activation_vs_load.html", "Muscle activation vs ankle load (C1, C4, C5)"),
    ("03_force_plate.html", "Force plate: jumps, RFD and GRF transfer"),
    ("04_kinematics.html", "Kinematics: knee valgus and hip hiking"),
    ("05_injury_rates.html", "Injury rates (C8)"),
    ("06_power_and_design.html", "Power and study design"),
)


def claim_requirements(claims: dict = CLAIMS) -> pd.DataFrame:
    """One row per claim: the exact quote, the estimand, the data and the analysis it needs."""
    rows = [
        {
            "claim_id": cid,
            "quote": spec.quote,
            "estimand": spec.estimand,
            "data_needed": spec.data_needed,
            "claim_form": spec.form,
            "claimed_range": spec.claimed_range,
            "smallest_effect": spec.smallest_effect,
        }
        for cid, spec in claims.items()
    ]
    return pd.DataFrame(rows)


def _fmt(v, digits: int = 3) -> str:
    from analysis.plots.format import format_number

    return format_number(v) if digits == 3 else format_number(v, decimals=0)


#: What each claim estimates, in words a reader of the article uses (the estimand, stated in
#: analysis.claims.CLAIMS, is the technical definition; these are its plain summaries).
PLAIN_ESTIMAND = {
    "C1": "change in gluteus maximus and gastrocnemius activation with 4 lb ankle weights",
    "C2": "knee extension speed and hip hiking after training with ankle weights, vs controls",
    "C3": "extra knee valgus per %BW of ankle load above 10 %BW (slope change at a breakpoint)",
    "C4": "jump performance (EUR) and knee position sense after eccentric-only loading",
    "C5": "calf vs thigh activation: sustained light load vs brief heavy load",
    "C6": "ground reaction force transferred in mid-range vs full-range movement",
    "C7": "rate of force development (0–100 ms) after training, vs controls",
    "C8": "knee injury rate with early vs late introduction of ankle weights (rate ratio)",
    "C9": "how the knee-valgus breakpoint moves with body mass",
}
#: What the article claims, in words (the claimed ranges of analysis.claims.CLAIMS).
PLAIN_CLAIMED = {
    "C1": "+12 to +18 %",
    "C2": "faster knee extension and less hip hiking",
    "C3": "valgus rises faster above about 10 %BW",
    "C4": "both improve",
    "C5": "calves favour sustained light load, thigh brief heavy load",
    "C6": "20 to 35 % more (27 %); knee joint force not increased",
    "C7": "higher",
    "C8": "19 % more injuries (1.10 to 1.30)",
    "C9": "breakpoint rises with body mass (about 0.066 %BW per kg)",
}
#: The unit of each claim's "n needed" (C8's sample size is per arm of a two-group cohort: analysis.injury);
#: every other claim's is total subjects (analysis.power).
N_NEEDED_UNITS = {"C8": "athletes per arm"}
#: How each headline table defines its "n" column.
N_DEFINITION = "n: subjects (for C8, athletes) whose data entered the estimate"


def _estimate_text(estimate: Any, low: Any, high: Any) -> str:
    """The estimate with the decimals of its interval ("15.0" beside "13.7 to 16.3"), else 3 significant digits."""
    from analysis.plots.format import decimals_for, format_number

    ends = [abs(float(v)) for v in (low, high) if v is not None and np.isfinite(float(v))]
    return format_number(estimate, decimals=decimals_for(max(ends)) if ends else None)


def short_unit(unit: Any) -> str:
    """A claim's unit without the part it refers to: ``% change at 4 lb (gluteus_maximus; all parts in 'parts')``
    -> ``% change at 4 lb``."""
    from analysis.plots.tables import clean_unit

    text = clean_unit(unit)
    if not text.endswith("each part listed below)"):
        return text
    depth = 0
    for i in range(len(text) - 1, -1, -1):  # the "(" that opens the final parenthesis (which may nest others)
        depth += {")": 1, "(": -1}.get(text[i], 0)
        if depth == 0:
            return text[:i].strip()
    return text


def claims_display_table(
    df: pd.DataFrame, *, notes: bool = True, reasons: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The claims table for reading, one headline row per claim: what was estimated (in words), verdict, estimate
    and 95 % CI (as "a to b") with a short unit, what the article claimed, n (:data:`N_DEFINITION`), MDE, the n
    needed (inconclusive only, with its unit) and, for undecided claims, why in plain language (``reasons``, e.g.
    from :func:`analysis.reports.reasons.plain_reasons`; internal detail stays in the notes).

    MDE is shown for every tested claim; "n needed" only where the verdict is inconclusive (elsewhere the
    data already decided), and "not computed" where no power analysis ran; ``notes=False`` leaves
    the long notes out (show them with :func:`analysis.plots.tables.claim_notes_html`).
    """
    from analysis.plots.format import format_interval, format_n_needed

    rows = []
    for _, r in df.iterrows():
        cid = str(r["claim_id"])
        tested = r["verdict"] != "not testable"
        n_needed = r.get("n_needed")
        nn = format_n_needed(n_needed, N_NEEDED_UNITS.get(cid, "subjects")) if r["verdict"] == "inconclusive" else ""
        mde = r.get("mde")
        mde_ok = mde is not None and np.isfinite(float(mde))
        rows.append(
            {
                "claim": cid,
                "what was estimated": PLAIN_ESTIMAND.get(cid, str(r.get("estimand") or "")),
                "verdict": r["verdict"],
                "estimate": _estimate_text(r["estimate"], r["ci95_low"], r["ci95_high"]) if tested else "",
                "95 % CI": format_interval(r["ci95_low"], r["ci95_high"]) if tested else "",
                "unit": short_unit(r.get("unit")),
                "claimed": PLAIN_CLAIMED.get(cid, str(r.get("claimed_range") or "")),
                "n": int(r["n_subjects"]) if pd.notna(r["n_subjects"]) else 0,
                "MDE": _fmt(mde) if tested and mde_ok else ("not computed" if tested else ""),
                "n needed": nn,
                "why undecided": (reasons or {}).get(cid, "")
                if r["verdict"] in ("inconclusive", "not testable")
                else "",
                "notes": r.get("notes") or "",
            }
        )
    out = pd.DataFrame(rows)
    if reasons is None:
        out = out.drop(columns="why undecided")
    return out if notes else out.drop(columns="notes", errors="ignore")


def claim_parts(df: pd.DataFrame) -> pd.DataFrame:
    """Long table of every part of every claim (from the ``parts`` JSON column), natural units."""
    rows = []
    for _, r in df.iterrows():
        parts = json.loads(r["parts"]) if isinstance(r.get("parts"), str) and r["parts"] else []
        if not parts:
            rows.append(
                {
                    "claim_id": r["claim_id"],
                    "part": "(whole claim)",
                    "verdict": r["verdict"],
                    "unit": r.get("unit") or "",
                    "estimate": math.nan,
                    "ci95_low": math.nan,
                    "ci95_high": math.nan,
                    "ci90_low": math.nan,
                    "ci90_high": math.nan,
                    "missing": r.get("notes") or "",
                    "method": "",
                }
            )
            continue
        for p in parts:
            ci95, ci90 = p.get("ci95", [math.nan] * 2), p.get("ci90", [math.nan] * 2)
            rows.append(
                {
                    "claim_id": r["claim_id"],
                    "part": p["part"],
                    "verdict": p["verdict"],
                    "unit": p["unit"],
                    "estimate": p.get("estimate", math.nan),
                    "ci95_low": ci95[0],
                    "ci95_high": ci95[1],
                    "ci90_low": ci90[0],
                    "ci90_high": ci90[1],
                    "missing": p.get("missing", ""),
                    "method": p.get("method", ""),
                }
            )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class ClaimedZone:
    """What the article claims for one part, in the part's natural unit: the zone [low, high] a
    "supported" verdict needs (infinite edges allowed), the claimed point if any, and the no-effect value."""

    low: float
    high: float
    point: float | None
    null: float
    axis_label: str


def claimed_zone(claim_id: str, part: str, tolerances: dict | None = None) -> ClaimedZone:
    """The claimed zone of one part, from the pre-declared tolerances (analysis.claims.DEFAULT_TOLERANCES)."""
    tol = dict(DEFAULT_TOLERANCES, **(tolerances or {}))
    inf = math.inf
    p = part.lower()
    if claim_id == "C1":
        lo, hi = tol["C1_range_pct"]
        return ClaimedZone(lo, hi, None, 0.0, "% change in EMG at 4 lb")
    if claim_id == "C2":
        if "hip" in p:
            return ClaimedZone(-inf, -tol["C2_hip_hike_sesoi_deg"], None, 0.0, "° hip hiking, trained − control")
        return ClaimedZone(
            tol["C2_velocity_sesoi_pct"], inf, None, 0.0, "% knee-extension velocity, trained vs control"
        )
    if claim_id == "C3":
        return ClaimedZone(tol["C3_hinge_sesoi_deg_per_pct_bw"], inf, None, 0.0, "° FPPA per %BW above 10 %BW")
    if claim_id == "C4":
        if "jps" in p:
            return ClaimedZone(tol["C4_jps_sesoi_deg"], inf, None, 0.0, "° JPS error, mid-range − none")
        return ClaimedZone(tol["C4_eur_sesoi_pct"], inf, None, 0.0, "% EUR, eccentric-only vs none")
    if claim_id == "C5":
        s = tol["C5_sesoi_pct"]
        if "vastus" in p:
            return ClaimedZone(-inf, -s, None, 0.0, "% response, sustained-low vs brief-high")
        return ClaimedZone(s, inf, None, 0.0, "% response, sustained-low vs brief-high")
    if claim_id == "C6":
        if "joint" in p:
            return ClaimedZone(-inf, tol["C6_jrf_margin_pct"], None, 0.0, "% joint force, mid vs full range")
        lo, hi = tol["C6_grf_range_pct"]
        return ClaimedZone(lo, hi, tol["C6_grf_point_pct"], 0.0, "% GRF transfer, mid vs full range")
    if claim_id == "C7":
        return ClaimedZone(tol["C7_rfd_sesoi_pct"], inf, None, 0.0, "% RFD 0–100 ms, trained vs control")
    if claim_id == "C8":
        lo, hi = tol["C8_irr_range"]
        return ClaimedZone(lo, hi, tol["C8_irr_point"], 1.0, "knee-injury rate ratio, early vs late")
    if claim_id == "C9":
        centre, margin = tol["C9_psi1_claim"], tol["C9_psi1_equivalence"]  # the equivalence region the verdict uses
        return ClaimedZone(centre - margin, centre + margin, centre, 0.0, "breakpoint change, %BW per kg body mass")
    raise AnalysisError(f"claimed_zone: unknown claim {claim_id!r}; known: {sorted(CLAIMS)}")


def _why(text: str, width: int = 95) -> str:
    text = str(text or "not testable")
    while text.startswith("not testable: "):
        text = text[len("not testable: ") :]
    lines = textwrap.wrap(text, width)
    return "\n".join(lines[:2]) + ("…" if len(lines) > 2 else "")


def forest_figure(df: pd.DataFrame, tolerances: dict | None = None) -> Figure:
    """One panel per claim and unit (own natural scale), one row per part: 95 % CI (thin), 90 % CI (thick),
    estimate (dot, coloured by the part's verdict), claimed zone (shaded green), claimed point (dashed),
    no-effect value (grey line). Untested parts print what they need instead."""
    parts = claim_parts(df)
    parts["zone"] = [claimed_zone(c, p, tolerances) for c, p in zip(parts["claim_id"], parts["part"])]
    parts["axis_label"] = [z.axis_label for z in parts["zone"]]
    panels = [
        (cid, label, sub.reset_index(drop=True))
        for (cid, label), sub in parts.groupby(["claim_id", "axis_label"], sort=False)
    ]
    heights = [len(sub) for _, _, sub in panels]
    fig, axes = plt.subplots(
        len(panels),
        1,
        figsize=(9, 0.55 * sum(heights) + 1.05 * len(panels) + 0.4),
        gridspec_kw={"height_ratios": heights},
        squeeze=False,
    )
    seen = set()
    for ax, (cid, label, sub) in zip(axes[:, 0], panels):
        ys = np.arange(len(sub))[::-1]
        zones = list(sub["zone"])
        tested = sub["estimate"].notna().to_numpy()
        finite = np.concatenate(
            [
                sub.loc[tested, ["ci95_low", "ci95_high"]].to_numpy(float).ravel(),
                [z.null for z in zones],
                [v for z in zones for v in (z.low, z.high, z.point) if v is not None and math.isfinite(v)],
            ]
        )
        finite = finite[np.isfinite(finite)]
        lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
        pad = 0.08 * (hi - lo or 1.0)
        xlim = (lo - pad, hi + pad)
        for y, (_, p), z in zip(ys, sub.iterrows(), zones):
            zlo, zhi = max(z.low, xlim[0]), min(z.high, xlim[1])
            ax.fill_betweenx([y - 0.4, y + 0.4], zlo, zhi, color=VERDICT_COLOURS["supported"], alpha=0.15, lw=0)
            if z.point is not None:
                ax.plot([z.point, z.point], [y - 0.4, y + 0.4], ls="--", color=VERDICT_COLOURS["supported"], lw=1.2)
            ax.plot([z.null, z.null], [y - 0.45, y + 0.45], color="0.4", lw=1)
            colour = VERDICT_COLOURS.get(p["verdict"], "black")
            if np.isfinite(p["estimate"]):
                ax.plot([p["ci95_low"], p["ci95_high"]], [y, y], color=colour, lw=1.5)
                ax.plot([p["ci90_low"], p["ci90_high"]], [y, y], color=colour, lw=5, solid_capstyle="butt")
                ax.plot([p["estimate"]], [y], "o", color="white", mec=colour, mew=2, ms=7)
            else:
                ax.text(xlim[0], y, "  " + _why(p["missing"]), va="center", ha="left", fontsize=9, color="0.3")
        ax.set_xlim(xlim)
        ax.set_ylim(-0.6, len(sub) - 0.4)
        ax.set_yticks(
            ys,
            [
                "\n".join(textwrap.wrap(f"{str(p).replace('_', ' ')} ({v})", 34)[:2])
                for p, v in zip(sub["part"], sub["verdict"])
            ],
            fontsize=10,
        )
        if cid not in seen:
            verdict = df.loc[df["claim_id"] == cid, "verdict"].iloc[0]
            ax.set_title(
                f"{cid}: {verdict}",
                loc="left",
                fontsize=10,
                color=VERDICT_COLOURS.get(verdict, "black"),
                fontweight="bold",
            )
            seen.add(cid)
        ax.set_xlabel(label, fontsize=10)
        ax.tick_params(axis="x", labelsize=10)
        ax.grid(axis="y", visible=False)
    fig.suptitle(
        "Estimate (dot), 95 % CI (thin), 90 % CI (thick) vs the claimed zone (green); grey line = no effect",
        fontsize=9.5,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.985))
    return fig


def report_pages(notebooks_dir=paths.NOTEBOOKS_DIR) -> list[tuple[str, str]]:
    """(html name, title) of every detailed report: the numbered notebooks present (01_… onward), titled
    from :data:`REPORT_PAGES` where known; :data:`REPORT_PAGES` itself when no notebooks are found."""
    titles = dict(REPORT_PAGES)
    stems = sorted(p.stem for p in Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb") if not p.stem.startswith("00_"))
    if not stems:
        return list(REPORT_PAGES)
    return [(f"{s}.html", titles.get(f"{s}.html", s[3:].replace("_", " ").capitalize())) for s in stems]


def report_links_html(pages: Sequence[tuple[str, str]] | None = None) -> str:
    """A list of relative links to the detailed reports (they are written next to this one)."""
    pages = report_pages() if pages is None else pages
    items = "".join(
        f'<li><a href="{html.escape(href)}">{html.escape(title)}</a> <small>({html.escape(href)})</small></li>'
        for href, title in pages
    )
    return f"<ul>{items}</ul>"


def verdict_counts_html(df: pd.DataFrame, verdicts: Sequence[str]) -> str:
    """``supported: 3 · contradicted: 1 · …``: how many claims got each verdict (every verdict listed)."""
    counts = df["verdict"].value_counts().reindex(list(verdicts), fill_value=0)
    return "<p>" + " · ".join(f"<b>{html.escape(str(v))}</b>: {n}" for v, n in counts.items()) + "</p>"


def written_files_html(*files: Path) -> str:
    """``Written: <code>…</code>, …``: the files a section wrote."""
    return "<p>Written: " + ", ".join(f"<code>{html.escape(str(f))}</code>" for f in files) + "</p>"


def claim_requirements_html(requirements: pd.DataFrame) -> str:
    """Each claim's quote, estimand, data needed and form (a :func:`claim_requirements` table)."""
    blocks = []
    for _, r in requirements.iterrows():
        blocks.append(
            f"<h4>{html.escape(str(r.claim_id))}</h4><blockquote>“{html.escape(r.quote)}”</blockquote>"
            f"<ul><li><b>Estimand:</b> {html.escape(r.estimand)}</li>"
            f"<li><b>Data needed:</b> {html.escape(r.data_needed)}</li>"
            f"<li><b>Form of the claim:</b> {html.escape(r.claim_form)}; claimed: {html.escape(r.claimed_range)}; "
            f"smallest effect of interest: {html.escape(r.smallest_effect)}</li></ul>"
        )
    return "".join(blocks)
