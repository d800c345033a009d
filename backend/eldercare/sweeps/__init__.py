"""Sweeps (摸底排查): every elder of a region confirmed in person, progress per village."""
