"""What every entity does the same way: dedupe, hold, the deadline tick, refusals, the timeline."""
