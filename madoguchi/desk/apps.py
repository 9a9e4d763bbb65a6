from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "madoguchi.desk"
    verbose_name = "カスタマサポートデスク"
