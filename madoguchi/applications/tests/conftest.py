from madoguchi.testing.kinds import manual_kind, recorded_kind  # noqa: F401
from madoguchi.testing.workers import database_tasks, processes  # noqa: F401
