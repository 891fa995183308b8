app_name = "quotas"
urlpatterns = []
