from madoguchi.testing.workers import database_tasks, processes  # noqa: F401
