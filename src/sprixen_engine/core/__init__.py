"""Kernels: pure functions on numpy arrays. No I/O, no globals, no torch.

Images are ``uint8`` arrays of shape ``(H, W, 4)`` (RGBA) unless a docstring says otherwise.
"""
