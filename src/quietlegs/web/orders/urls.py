from django.urls import path

from quietlegs.web.orders import views

app_name = "orders"
urlpatterns = [
    path("", views.open_orders, name="open"),
    path("mine/", views.my_orders, name="mine"),
    path("patients/<int:patient_id>/", views.order_from_assessment, name="order_from_assessment"),
    path("<int:order_id>/", views.order_detail, name="order"),
    path("<int:order_id>/schedule/", views.schedule, name="schedule"),
    path("<int:order_id>/cancel/", views.cancel, name="cancel"),
    path("<int:order_id>/result/", views.enter_result, name="result"),
    path("<int:order_id>/file/", views.attachment, name="attachment"),
]
