from django.apps import AppConfig


class DemoPayConfig(AppConfig):
    name = "madoguchi.demopay"
    verbose_name = "デモ決済"
