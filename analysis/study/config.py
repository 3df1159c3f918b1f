"""study.yaml: its checks, and what the rest of the suite reads from it (channel map, analysed muscles, MVC rule)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from analysis.errors import StudyError
from analysis.study.bounded_yaml import load_yaml_bounded
from analysis.study.problems import _Problems
from analysis.study.schema import STUDY_YAML, load_schema
from analysis.study.suggest import with_suggestion


def _check_study_yaml(root: Path, problems: _Problems) -> dict[str, Any] | None:
    path = root / STUDY_YAML
    if not path.is_file():
        problems.error(
            STUDY_YAML,
            None,
            None,
            "study.yaml is missing",
            "create it with at least 'name:' and 'synthetic: true|false' (see data/README.md)",
        )
        return None
    try:
        config = load_yaml_bounded(path, STUDY_YAML)
    except StudyError as exc:  # too big, an alias bomb, recursive or nested too deeply
        problems.extend(exc.problems)
        return None
    except OSError as exc:
        problems.error(STUDY_YAML, None, None, f"cannot open: {exc.strerror or exc}", "check the file permissions")
        return None
    except UnicodeDecodeError:
        problems.error(STUDY_YAML, None, None, "is not UTF-8 text", "save it as UTF-8")
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problems.error(
            STUDY_YAML,
            line,
            None,
            f"is not valid YAML: {getattr(exc, 'problem', None) or exc}",
            "check indentation and quote names containing ':' or '#' (row = line number)",
        )
        return None
    if config is None:
        config = {}
    if not isinstance(config, dict):
        problems.error(
            STUDY_YAML, None, None, "must be a mapping of keys (name:, synthetic:, ...)", "see data/README.md"
        )
        return None
    keys = load_schema()["study_yaml"]["keys"]
    for key, spec in keys.items():
        value = config.get(key)
        if value is None:
            if spec.get("required"):
                hint = (
                    "add 'synthetic: true' for simulated data or 'synthetic: false' for real recordings"
                    if key == "synthetic"
                    else f"add '{key}:'"
                )
                problems.error(STUDY_YAML, None, key, f"required key {key!r} is missing", hint)
            continue
        expected = {"str": str, "bool": bool, "mapping": dict, "list": list}[spec["type"]]
        if not isinstance(value, expected):
            hint = "write true or false without quotes" if expected is bool else f"{key} must be a {spec['type']}"
            problems.error(STUDY_YAML, None, key, f"{key} is {value!r}, not a {spec['type']}", hint)
    for key in config:
        if key not in keys:
            problems.warning(
                STUDY_YAML,
                None,
                str(key),
                f"unknown key {key!r} is ignored",
                with_suggestion(f"check the spelling; known keys: {', '.join(keys)}", str(key), keys),
            )
    if isinstance(config.get("name"), str) and not config["name"].strip():
        problems.error(STUDY_YAML, None, "name", "name is empty", "give the study a short name")
    allowed_units = load_schema()["study_yaml"]["units"]
    units = config.get("units")
    if isinstance(units, dict):
        for quantity, unit in units.items():
            if quantity in allowed_units and unit not in allowed_units[quantity]:
                problems.error(
                    STUDY_YAML,
                    None,
                    f"units.{quantity}",
                    f"unknown {quantity} unit {unit!r}",
                    with_suggestion(
                        f"use one of: {', '.join(allowed_units[quantity])}", str(unit), allowed_units[quantity]
                    ),
                )
    for key in ("channels", "roles"):
        mapping = config.get(key)
        if isinstance(mapping, dict):
            for channel, target in mapping.items():
                if not isinstance(target, str) or not target.strip():
                    problems.error(
                        STUDY_YAML,
                        None,
                        f"{key}.{channel}",
                        f"channel {channel!r} maps to {target!r}",
                        "map each channel name to a muscle (or role) name",
                    )
    known_muscles = set(load_schema()["vocabularies"]["muscle"])
    for muscle in sorted(set(_channel_map(config).values()) - known_muscles):
        problems.warning(
            STUDY_YAML,
            None,
            "channels",
            f"muscle {muscle!r} is not in the built-in muscle list",
            with_suggestion(
                "check the spelling (e.g. gastrocnemius_medialis); unknown names still work", muscle, known_muscles
            ),
        )
    listed = config.get("muscles")
    if isinstance(listed, list):
        unmapped = sorted(set(map(str, listed)) - set(_channel_map(config).values()))
        for muscle in unmapped:
            problems.warning(
                STUDY_YAML,
                None,
                "muscles",
                f"analysed muscle {muscle!r} is recorded by no channel in 'channels:'",
                with_suggestion(
                    "add the channel to 'channels:' or remove the muscle", muscle, _channel_map(config).values()
                ),
            )
    _check_processing(config.get("processing"), problems)
    mvc = config.get("mvc")
    if isinstance(mvc, dict):
        window = mvc.get("window_ms")
        if window is not None and not (
            isinstance(window, (int, float)) and not isinstance(window, bool) and window > 0
        ):
            problems.error(
                STUDY_YAML, None, "mvc.window_ms", f"window_ms is {window!r}", "write a positive number of milliseconds"
            )
        if "required" in mvc and not isinstance(mvc["required"], bool):
            problems.error(STUDY_YAML, None, "mvc.required", f"required is {mvc['required']!r}", "write true or false")
    return config


def _check_processing(block: Any, problems: _Problems) -> None:
    """study.yaml ``processing:``: each stage's block must build that stage's settings (the same ``from_dict`` the
    feature pipeline uses), so a typo or a wrong value is reported here, not as an error in the middle of a run."""
    if block is None:
        return
    if not isinstance(block, dict):
        problems.error(STUDY_YAML, None, "processing", f"processing is {block!r}", "write stage: {setting: value}")
        return
    from analysis.emg.settings import EMGSettings
    from analysis.errors import AnkleLabError
    from analysis.forceplate.settings import ForcePlateSettings
    from analysis.kinematics import KinematicsSettings

    classes: dict[str, Any] = {"emg": EMGSettings, "forceplate": ForcePlateSettings, "kinematics": KinematicsSettings}
    for stage, values in block.items():
        if stage not in classes:
            problems.error(
                STUDY_YAML,
                None,
                f"processing.{stage}",
                f"unknown processing stage {stage!r}",
                with_suggestion("stages are emg, forceplate, kinematics", str(stage), list(classes)),
            )
            continue
        try:
            classes[stage].from_dict(values)
        except AnkleLabError as exc:
            problems.error(STUDY_YAML, None, f"processing.{stage}", str(exc), "fix the value or remove the key")


def _channel_map(config: Mapping[str, Any]) -> dict[str, str]:
    mapping = config.get("channels")
    if not isinstance(mapping, dict):
        return {}
    return {str(k): str(v).strip() for k, v in mapping.items() if isinstance(v, str) and v.strip()}


def _analysed_muscles(config: Mapping[str, Any]) -> list[str]:
    listed = config.get("muscles")
    if isinstance(listed, list) and listed:
        return [str(m) for m in listed]
    return sorted(set(_channel_map(config).values()))


def _mvc_required(config: Mapping[str, Any]) -> bool:
    mvc = config.get("mvc")
    return not (isinstance(mvc, dict) and mvc.get("required") is False)
