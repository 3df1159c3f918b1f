"""Figures, one module per area (claims, emg, forceplate, kinematics, injury, power).

Every function takes tidy tables and returns a matplotlib Figure; axes carry units.
"""
