"""The order trials run in: the two-stage EMG schedule and the number of trials per task.

Two stages for EMG: MVC trials are processed first; as soon as every MVC trial of a subject x session is
done, its reference values are combined and the EMG trials of that subject x session are released (they need
the references for %MVC). Force-plate and kinematics trials need no reference and run from the start.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

import pandas as pd

from analysis.errors import StudyError
from analysis.features.study_view import _needs_mvc, _truthy
from analysis.features.tasks import Pipeline, TrialTask

#: Settings stages each trial kind depends on (a changed stage setting invalidates only these kinds).
STAGES_BY_KIND = {
    "emg": ("emg",),
    "forceplate": ("forceplate",),
    "kinematics": ("kinematics",),
    "combined": ("emg", "forceplate", "kinematics"),
}
MVC_STAGE = "mvc"
#: Trials per task: enough compute per task (BATCH_TARGET_S, from the running mean) that the per-task costs
#: (result conversion, transfer, scheduling: ~2 ms) are under 1 %, little enough that the last tasks of a
#: study leave a worker idle for at most a fraction of a second [assumption, measured on the study bench].
BATCH_TARGET_S = 0.25
MAX_BATCH_TRIALS = 16


def batch_size(n_computed: int, compute_s: float) -> int:
    """Trials per task from the mean compute time so far: one task at first (nothing known yet)."""
    if not n_computed:
        return 1
    per_trial_s = compute_s / n_computed
    return max(1, min(MAX_BATCH_TRIALS, int(BATCH_TARGET_S / max(per_trial_s, 1e-6))))


Group = tuple[str, str]  # (subject_id, session)


class TwoStageSchedule:
    """Which trials may run now (``ready``, trial indices in order) and the MVC references of each subject x
    session once its MVC trials are done.

    At the start every MVC trial is ready, then every trial that needs no reference (or whose group has no
    MVC trial); the EMG trials of a group wait until :meth:`done` has seen the group's last MVC trial.
    """

    def __init__(self, trials: list[dict[str, Any]], combine_mvc):
        self.trials = trials
        self.combine_mvc = combine_mvc
        self.group_of: list[Group] = [(str(t.get("subject_id")), str(t.get("session"))) for t in trials]
        self.is_mvc = [_truthy(t.get("is_mvc")) for t in trials]
        self._mvc_pending: dict[Group, int] = {}
        for i, group in enumerate(self.group_of):
            if self.is_mvc[i]:
                self._mvc_pending[group] = self._mvc_pending.get(group, 0) + 1
        self._waiting: dict[Group, list[int]] = {}
        self.ready: deque[int] = deque(i for i in range(len(trials)) if self.is_mvc[i])
        for i, trial in enumerate(trials):
            if self.is_mvc[i]:
                continue
            if _needs_mvc(trial) and self._mvc_pending.get(self.group_of[i], 0) > 0:
                self._waiting.setdefault(self.group_of[i], []).append(i)
            else:
                self.ready.append(i)
        self._mvc_rows: dict[Group, list[pd.DataFrame]] = {}
        self.mvc_refs: dict[Group, pd.DataFrame] = {}
        #: muscle -> reference as plain floats, built once per group (not per trial: pandas indexing per
        #: task cost the driver ~1.5 ms of the CPU the workers need)
        self.mvc_ref_values: dict[Group, dict[str, float]] = {}

    def done(self, i: int, tables: Mapping[str, pd.DataFrame] | None) -> None:
        """Trial ``i`` finished (``tables`` None when it failed). The last MVC trial of a group combines the
        group's references and releases its waiting EMG trials into ``ready``."""
        if not self.is_mvc[i]:
            return
        group = self.group_of[i]
        if tables and "mvc" in tables:
            self._mvc_rows.setdefault(group, []).append(tables["mvc"])
        self._mvc_pending[group] -= 1
        if self._mvc_pending[group] == 0:
            rows = self._mvc_rows.get(group)
            self.mvc_refs[group] = refs = (
                self.combine_mvc(pd.concat(rows, ignore_index=True))
                if rows
                else pd.DataFrame(columns=["muscle", "mvc_reference"])
            )
            self.mvc_ref_values[group] = {
                str(m): float(v) for m, v in zip(refs["muscle"].tolist(), refs["mvc_reference"].tolist())
            }
            self.ready.extend(self._waiting.pop(group, []))

    def task(
        self, i: int, pipeline: Pipeline, settings: Mapping[str, Any], base_context: Mapping[str, Any]
    ) -> TrialTask:
        """Trial ``i`` as a task: its processor, the settings of the stages its kind uses and, for an EMG
        trial, its subject x session's MVC references."""
        trial = self.trials[i]
        stage = MVC_STAGE if self.is_mvc[i] else str(trial.get("kind"))
        processor = pipeline.mvc_processor if stage == MVC_STAGE else pipeline.processors.get(stage)
        if processor is None:
            raise StudyError(
                f"trial {trial.get('trial_id')}: no processor for kind {stage!r}; "
                f"known kinds: {sorted(pipeline.processors)}"
            )
        stages = STAGES_BY_KIND["emg"] if stage == MVC_STAGE else STAGES_BY_KIND.get(stage, (stage,))
        context = dict(base_context)
        context["settings"] = {s: settings[s] for s in stages if s in settings}
        if _needs_mvc(trial):
            context["mvc_refs"] = self.mvc_ref_values.get(self.group_of[i], {})
        return TrialTask(trial=trial, stage=stage, read=pipeline.read, processor=processor, context=context)

    def mvc_table(self) -> list[pd.DataFrame]:
        """Each group's combined references with its ``subject_id`` and ``session`` (groups in order)."""
        return [refs.assign(subject_id=g[0], session=g[1]) for g, refs in sorted(self.mvc_refs.items()) if len(refs)]
