from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "madoguchi.desk"
    verbose_name = "カスタマサポートデスク"

    def ready(self):
        from madoguchi.applications import registry
        from madoguchi.desk.services import KIND

        registry.register(KIND)
