"""よくあるご質問 (S1): the categories with their questions, the keyword search and each
question's own page. No login needed."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import render

from madoguchi.faq import services
from madoguchi.faq.models import Question
from madoguchi.lib.search import MAX_QUERY_LENGTH


@login_not_required
def index(request):
    """Every category with its questions; with ``?q=`` the questions matching every word."""
    query = request.GET.get("q")
    result = services.search_questions(query)
    context = {
        "query": (query or "")[:MAX_QUERY_LENGTH],
        "result": result,
        "categories": [] if result.asked else services.categories_with_questions(),
    }
    return render(request, "faq/index.html", context)


@login_not_required
def question(request, pk: int):
    """One question with its answer, its category's other questions and the inquiry form."""
    try:
        found = services.get_public_question(pk)
    except Question.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "faq/question.html",
        {"question": found, "related": services.related_questions(found)},
    )
