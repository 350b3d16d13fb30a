# The PSG result's warnings and finding as codes and params (worded for each reader).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('records', '0004_psgstudy_error_code'),
    ]

    operations = [
        migrations.AddField(
            model_name='psgstudy',
            name='warning_details',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='psgstudy',
            name='finding_code',
            field=models.CharField(blank=True, default='', max_length=64),
        ),
        migrations.AddField(
            model_name='psgstudy',
            name='finding_params',
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
