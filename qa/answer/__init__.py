"""Quote-mode answers built from the evidence: sentence scoring and quoting, exact citations, the short answer and the final composition."""
