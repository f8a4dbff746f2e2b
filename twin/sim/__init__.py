"""Simulation layer: build a scenario into SimPy objects (stations/), run one replication (the only
env.run), and turn its monitors into KPIs and a ReplicationResult."""
