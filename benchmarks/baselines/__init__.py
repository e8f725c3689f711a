"""Baselines measured on the same workload as spinerules: the floor and two peers."""
