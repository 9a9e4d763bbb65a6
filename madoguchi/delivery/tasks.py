from django_tasks import task

from madoguchi.delivery import services


@task()
def start_publication(publication_id: int) -> int:
    """Select a publication's recipients and wake its senders; how many were selected."""
    mailing = services.start_mailing(publication_id)
    return mailing.selected if mailing else 0


@task()
def send_publication(publication_id: int) -> int:
    """One sender of a publication (several run at once); how many mails it handed over."""
    return services.send_deliveries(publication_id)
