"""The computational-graph engine: ops (each defined once), graph building, forward and backward.

Exact values are sympy ImmutableMatrix objects (a scalar is 1×1); every op also has a float64
numpy rule, used by the run-time finite-difference check.
"""
