"""The local rig bench/ and scripts/ drive: real processes, generated loads, checks, verdicts."""
