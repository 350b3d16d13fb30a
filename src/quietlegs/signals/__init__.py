"""Recordings to measurements: leg movements and PLMS from polysomnography.

numpy/scipy only; no web, no knowledge base. See ``docs/plm.md``.
"""
