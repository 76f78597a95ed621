"""Example plan registers shipped with qmr (one folder of CSV sheets per example)."""
