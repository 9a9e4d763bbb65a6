from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with tiny parameters: tests only (the product uses OWASP's)."""

    time_cost = 1
    memory_cost = 64
    parallelism = 1
