"""Reconciliation with the official rosters: deaths, hukou moves, 低保, 特困, disability."""
