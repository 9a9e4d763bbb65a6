from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "madoguchi.support"
    verbose_name = "お客さまサポート"
