"""Staff set up calls without the Django admin (issue 19): /staff/calls/…

Here, not in cfp, because copying a call also copies the reviews app's decision e-mails and
invites its reviewers again; a new call alone is cfp's (``cfp.views.call_setup``).
"""

from django.urls import path

from cfp.views import call_setup
from reviews.views import call_cloning

app_name = "callsetup"

urlpatterns = [
    path("", call_setup.calls_page, name="list"),
    path("new/", call_setup.new_call, name="new"),
    path("<slug:slug>/copy/", call_cloning.clone_call, name="clone"),
]
