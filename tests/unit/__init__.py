"""The unit tier: pure logic, no server, seconds."""
