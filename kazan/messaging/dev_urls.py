app_name = "dev"
urlpatterns: list = []
