import pytest

from madoguchi.faq.seed import ensure_faq


@pytest.fixture
def demo_faq(db):
    """The demo FAQ (the seed's questions and answers), every entry published."""
    return ensure_faq()
