from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "madoguchi.payments"
    verbose_name = "お支払い方法"

    def ready(self):
        from madoguchi.applications import registry
        from madoguchi.payments.services import KIND

        registry.register(KIND)
