"""Test support shared by tests/ and bench/: a misbehaving OpenAI-compatible server, configs."""
