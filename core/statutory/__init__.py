"""The law's follow-up clocks (sygedagpengeloven § 13b), beside the stages: pure rules."""
