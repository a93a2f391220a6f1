"""The local rig bench/ and scripts/ drive: the stack of real processes, generated loads, checks and verdicts."""
