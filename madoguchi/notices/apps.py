from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "madoguchi.notices"
    verbose_name = "工事・故障情報"
