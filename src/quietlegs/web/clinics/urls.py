from django.urls import path

from quietlegs.web.clinics import views

app_name = "clinics"
urlpatterns = [
    path("", views.manage, name="manage"),
    path("invite/", views.invite, name="invite"),
    path("invite/<str:token>/", views.accept, name="accept"),
    path(
        "invitations/<int:invitation_id>/revoke/",
        views.revoke_invitation,
        name="revoke_invitation",
    ),
    path("members/<int:member_id>/deactivate/", views.deactivate_member, name="deactivate"),
    path("members/<int:member_id>/reactivate/", views.reactivate_member, name="reactivate"),
]
