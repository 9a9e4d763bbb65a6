from madoguchi.testing.workers import processes  # noqa: F401 (fixture)
