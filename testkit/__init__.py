"""What the tests, bench/ and scripts/ share: sample data, harnesses and the local rig."""
