"""Test support shared by the suite: cheap hashers, a real SMTP server, worker processes.

Imported only by tests and the root conftest; nothing in the product depends on it.
"""
