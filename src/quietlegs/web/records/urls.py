from django.urls import URLPattern, URLResolver

app_name = "records"
urlpatterns: list[URLPattern | URLResolver] = []  # filled in by the records views
