from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render


@login_not_required
def index(request):
    # Scaffolding: replaced by the real page in this work.
    return render(request, "support/top.html")
