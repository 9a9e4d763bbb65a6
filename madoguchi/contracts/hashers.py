from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at OWASP's parameters: 19 MiB, 2 iterations, parallelism 1.

    Django's defaults (100 MiB, p=8) cost ~6x the CPU here; with login throttling checked
    before hashing, these parameters keep a burst of logins from exhausting the machine.
    """

    algorithm = "argon2"
    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1
