from django.apps import AppConfig


class ThrottlingConfig(AppConfig):
    name = "madoguchi.throttling"
    verbose_name = "ログイン制限"

    def ready(self):
        from madoguchi.throttling import checks  # noqa: F401 (registers the deploy check)
