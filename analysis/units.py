"""Unit constants used across the suite, defined once.

International yard and pound agreement (1959): 1 lb = 0.45359237 kg exactly.
"""

from __future__ import annotations

__all__ = ["KG_PER_LB", "LB_PER_KG"]

KG_PER_LB = 0.45359237  # exact, by definition (1959 agreement)
LB_PER_KG = 1.0 / KG_PER_LB  # 2.20462262185 lb per kg
