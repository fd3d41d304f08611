"""Which cooperation mode works best? Scenarios, the four modes, the trial engine, Monte Carlo and metrics."""
