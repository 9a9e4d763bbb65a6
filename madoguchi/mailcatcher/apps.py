from django.apps import AppConfig


class MailcatcherConfig(AppConfig):
    name = "madoguchi.mailcatcher"
    verbose_name = "受信メール（ローカルSMTP）"
