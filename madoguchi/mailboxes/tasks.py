from django_tasks import task

from madoguchi.mailboxes import services


@task()
def process_mailbox_order(application_id: int) -> bool:
    return services.process_mailbox_application(application_id)
