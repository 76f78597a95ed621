"""The whole cycle on an embedded example, with simulated clerks."""
