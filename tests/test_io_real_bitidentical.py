"""Every vendored real recording reads bit-identically to the readers before the shared checks (issue 14):
samples, rate, channel names, units, kinds, source units and events hash to the values recorded with the
readers of commit 9673efa."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from analysis.io import read_recording
from analysis.paths import VENDORED_REAL_DIR

#: first 16 hex digits of the SHA-256 of the samples' bytes, then repr((rate, names, units, kinds, source units))
#: and the events as CSV, read by the readers of commit 9673efa (before the shared checks)
EXPECTED = {
    "acl_squat_jump_dualfp/BFR007_1st_squat_jump.csv": "36a85c9c0d638a4d",
    "acl_squat_jump_dualfp/BFR007_2nd_squat_jump.csv": "b40bbd80d70e4593",
    "acl_squat_jump_dualfp/BFR007_3rd_squat_jump.csv": "724c6bad5d5b79a7",
    "bsnb_emg/emg_bursts.h5": "cd7e8e5c69353719",
    "bsnb_emg/emg_fatigue.h5": "28082c3af9d88cd7",
    "c3d_gait_grf_emg/pyomeca_markers_analogs.c3d": "481a0ac19b562348",
    "musclesynergies_walk_emg/RAW_DATA.RData": "4bd227af03abaea9",
    "uci_lower_limb_emg/3Apie.txt": "bd992c6fe7b281c6",
    "uci_lower_limb_emg/3Asen.txt": "a5628f4c159f70e2",
    "uci_lower_limb_emg/5Nmar.txt": "6e2d86505d4c8c14",
    "uci_lower_limb_emg/5Nsen.txt": "1ae145f4889f7a6a",
    "vertical_jumps_fz/Dual-CMJ-Fz.txt": "416efa846fc32a91",
    "vertical_jumps_fz/Dual-DJ-Fz.txt": "7d1ae9bce14b44f8",
    "vertical_jumps_fz/Dual-SJ-Fz.txt": "d286163302c541b8",
    "vertical_jumps_fz/Single-CMJ-Fz.txt": "a6efff6346159a04",
    "vertical_jumps_fz/Single-DJ-Fz.txt": "040cefa855ed276a",
    "vertical_jumps_fz/Single-SJ-Fz.txt": "f49dfc5262d56a9c",
}

#: vendored after 9673efa, so there is no earlier reading to be identical to; each is tested where named
ADDED_LATER = {
    # needs its platform's calibration constant; read and checked in tests/test_opensignals_force_platform.py
    "bsnb_force_platform/loft_time_subject_1.h5",
}


def _digest(path) -> str:
    options = {"sampling_rate_hz": 1000} if path.name.endswith("-Fz.txt") else {}
    rec = read_recording(path, **options)
    h = hashlib.sha256(np.ascontiguousarray(rec.samples).tobytes())
    h.update(repr((rec.sampling_rate_hz, rec.channel_names, rec.units, rec.channel_kinds, rec.source_units)).encode())
    h.update(rec.events.to_csv().encode())
    return h.hexdigest()[:16]


def test_every_vendored_recording_is_listed():
    recordings = {
        str(p.relative_to(VENDORED_REAL_DIR))
        for p in VENDORED_REAL_DIR.rglob("*")
        if p.suffix.lower() in (".csv", ".txt", ".h5", ".c3d", ".rdata")
        and p.name not in ("SOURCE.txt", "VENDORED.txt")
    }
    assert recordings == set(EXPECTED) | ADDED_LATER


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_vendored_recording_reads_bit_identically(relative):
    assert _digest(VENDORED_REAL_DIR / relative) == EXPECTED[relative]
