from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "madoguchi.contracts"
    verbose_name = "ご契約"
