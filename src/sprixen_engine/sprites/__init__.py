"""Sprite pipeline: prompt understanding, subject catalogue and generation."""
