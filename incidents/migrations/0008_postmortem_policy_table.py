"""The postmortem policy moves to the organizations app (it is the organization's setting):
first its table takes the organizations app's name, then ``organizations.0006`` adopts the
model and ``0009`` drops it from this app's state. No row is copied."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0007_free_text_size_limit"),
    ]

    operations = [
        migrations.AlterModelTable(name="postmortempolicy", table="organizations_postmortempolicy"),
    ]
