"""Synthetic demo and benchmark data: `hoks-gateway seed` (see run.py).

Everything here is made up: people are combinations of common Finnish names, contact data uses
reserved example domains, organisations are plausible but generated. Nothing describes a real
person. The same seed gives the same rows, byte for byte.
"""
