import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("ocpp_bridge", "0003_server_process"),
    ]

    operations = [
        # Rows of running processes start a fresh watch: nobody is judged on older silence.
        migrations.AddField(
            model_name="serverprocess",
            name="beating_since",
            field=models.DateTimeField(default=django.utils.timezone.now),
            preserve_default=False,
        ),
    ]
