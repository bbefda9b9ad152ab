"""Looking inside a Network: attribution maps with their trust measures, filter pictures,
top-k dataset patches with receptive fields, classic kernels and feature visualisation.

Each submodule does one job; import from them directly, e.g.
``from convscope.insight.attribution import attribute``.
"""
