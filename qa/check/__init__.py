"""Checks on what an answer claims: generated sentences against their cited spans, and conflicting figures or dates across articles."""
