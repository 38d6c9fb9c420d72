"""Evaluation: metrics, gold sets, standard benchmark formats, ablations, reports."""
