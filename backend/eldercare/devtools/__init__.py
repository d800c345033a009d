"""Tools for development, the demo and the benchmarks, off the server's import path: the
demo deployment (``demo``) and reproducible synthetic data (``synth``). Only the
``eldercare demo`` command and ``bench/`` import them."""
