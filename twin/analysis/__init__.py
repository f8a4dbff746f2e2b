"""Analysis layer: pure functions over replication results: statistics, warm-up, aggregation, the
bottleneck verdict, the loss waterfall and improvement ranking."""
