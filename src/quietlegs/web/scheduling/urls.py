from django.urls import path

from quietlegs.web.scheduling import views

app_name = "scheduling"
urlpatterns = [
    # patients
    path("", views.mine, name="mine"),
    path("book/", views.book_start, name="book"),
    path("book/<int:visit_type_id>/", views.slots, name="slots"),
    path("book/confirm/", views.confirm, name="confirm"),
    path("<int:appointment_id>/", views.detail, name="detail"),
    path("<int:appointment_id>/cancel/", views.cancel, name="cancel"),
    path("<int:appointment_id>/reschedule/", views.reschedule, name="reschedule"),
    # links in e-mails (no login)
    path("cancel/<str:token>/", views.cancel_by_link, name="cancel_by_link"),
    path("offer/<str:token>/", views.offer, name="offer"),
    path("offer/<str:token>/decline/", views.offer_decline, name="offer_decline"),
    # reception and clinicians
    path("reception/", views.reception, name="reception"),
    path("reception/book/", views.reception_book, name="reception_book"),
    path("reception/<int:appointment_id>/status/", views.set_status, name="set_status"),
    path("reception/<int:appointment_id>/cancel/", views.staff_cancel, name="staff_cancel"),
    path("reception/waitlist/", views.waitlist, name="waitlist"),
    path(
        "reception/waitlist/<int:entry_id>/remove/",
        views.waitlist_remove,
        name="waitlist_remove",
    ),
    path("day/", views.my_day, name="my_day"),
    # clinic admins
    path("setup/", views.setup, name="setup"),
    path("setup/rules/", views.setup_rules, name="setup_rules"),
    path("setup/visit-types/<int:visit_type_id>/", views.setup_visit_type, name="setup_visit_type"),
    path("setup/resources/", views.setup_resource, name="setup_resource"),
    path(
        "setup/resources/<int:resource_id>/toggle/",
        views.setup_resource_toggle,
        name="setup_resource_toggle",
    ),
    path("setup/hours/", views.setup_hours, name="setup_hours"),
    path(
        "setup/hours/<int:availability_id>/delete/",
        views.setup_hours_delete,
        name="setup_hours_delete",
    ),
    path("setup/exceptions/", views.setup_exception, name="setup_exception"),
    path(
        "setup/exceptions/<int:exception_id>/delete/",
        views.setup_exception_delete,
        name="setup_exception_delete",
    ),
]
