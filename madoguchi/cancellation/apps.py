from django.apps import AppConfig


class CancellationConfig(AppConfig):
    name = "madoguchi.cancellation"
    verbose_name = "ご契約の廃止"

    def ready(self):
        from madoguchi.applications import registry
        from madoguchi.cancellation.kinds import KIND

        registry.register(KIND)
