from django.db import migrations


def install(apps, schema_editor):
    from fazhi.surveys.instruments import install as install_builtins

    install_builtins(apps.get_model("surveys", "Questionnaire"), apps.get_model("surveys", "Question"))


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
