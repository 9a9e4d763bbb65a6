"""X3 test support: a worker stopped while it polls for a task counts as a clean stop.

django-tasks-db's SIGTERM handler calls ``sys.exit`` at once when no task runs, which can
land inside its polling transaction and end the process with 1 (seen in CI on PostgreSQL).
The tests that start real workers check ``stop() == 0`` to prove no task crashed; this race
claimed nothing and must not fail them, while any other non-zero exit still does.
"""

from madoguchi.testing.workers import interrupted_poll

POLL_CUT_SHORT = """\
INFO django_tasks Task id=2a87 path=madoguchi.outbox.tasks.deliver_mail state=SUCCESSFUL
WARNING django_tasks_db Received Terminated - shutting down gracefully... (press Ctrl+C)
Traceback (most recent call last):
  File "django/db/transaction.py", line 263, in __exit__
    connection.commit()
SystemExit: 0

During handling of the above exception, another exception occurred:

  File "django_tasks_db/management/commands/db_worker.py", line 116, in run
    with exclusive_transaction(tasks.db):
  File "django_tasks_db/utils.py", line 36, in exclusive_transaction
    with transaction.atomic(using=using):
ProgrammingError: can't change 'autocommit' now: connection in transaction status ACTIVE
"""

TASK_CRASHED = """\
WARNING django_tasks_db Received Terminated - shutting down gracefully... (press Ctrl+C)
Traceback (most recent call last):
  File "madoguchi/applications/services.py", line 10, in process_application
ValueError: boom
Traceback (most recent call last):
  File "django_tasks_db/utils.py", line 36, in exclusive_transaction
"""


def test_x3_a_stop_that_cuts_an_idle_poll_short_is_clean():
    assert interrupted_poll(POLL_CUT_SHORT)


def test_x3_other_failures_at_stop_still_count():
    assert not interrupted_poll(TASK_CRASHED)
    assert not interrupted_poll("Traceback (most recent call last):\n  in exclusive_transaction\n")
    assert not interrupted_poll("")
