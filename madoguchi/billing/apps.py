from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "madoguchi.billing"
    verbose_name = "ご請求関連"

    def ready(self):
        from madoguchi.applications import registry
        from madoguchi.billing.kinds import KINDS

        for kind in KINDS:
            registry.register(kind)
