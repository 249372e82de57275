# `make bench`: benchmarks, side by side with their baselines.
