"""Backends: the embedded procedural defaults and (lazily imported) model backends."""
