"""Judging returns: the rules a return is checked against, computed traffic lights, history lookups."""
